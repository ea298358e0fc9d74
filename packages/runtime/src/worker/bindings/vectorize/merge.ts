/**
 * Merging the shards' answers to one query into the index's answer. Each shard returns its own exact top K, best
 * first; the index's top K is then the best K of their union. Plain TypeScript, unit-tested in Node.
 */
import type { VectorizeDistanceMetric, VectorizeMatchWire } from "../../../shared/wire/vectorize";

/**
 * The best `topK` of all shards' matches: higher scores first (lower for euclidean, a distance), equal scores by id,
 * as a single scan orders them. An id seen twice (only while an upsert moves it between shards) is kept once, best.
 */
export function mergeMatches(lists: VectorizeMatchWire[][], metric: VectorizeDistanceMetric, topK: number): VectorizeMatchWire[] {
  const sign = metric === "euclidean" ? 1 : -1;
  const all = lists.flat().sort((a, b) => sign * (a.score - b.score) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const out: VectorizeMatchWire[] = [];
  const seen = new Set<string>();
  for (const match of all) {
    if (out.length === topK) break;
    if (seen.has(match.id)) continue;
    seen.add(match.id);
    out.push(match);
  }
  return out;
}
