/**
 * The local provider's embeddings: feature hashing of words, word pairs and character trigrams into a fixed number of
 * dimensions, L2-normalised. No model and no network, the same vector for the same text everywhere, and texts that
 * share words or word parts land closer together than texts that do not — enough to build and test retrieval offline.
 */
import { LOCAL_EMBEDDING_DIMENSIONS } from "../../../shared/ai";
import { fnv1a, stem, STOPWORDS, words } from "./text";

/** Whole words weigh most; word pairs keep some order; trigrams let "password" meet "passwords" and typos. */
const WORD_WEIGHT = 2;
const PAIR_WEIGHT = 1;
const TRIGRAM_WEIGHT = 0.5;

function addFeature(vector: Float64Array, feature: string, weight: number): void {
  const hash = fnv1a(feature);
  // A second, independent bit picks the sign, so colliding features cancel out on average instead of piling up.
  const sign = fnv1a(`${feature}\u0000`) & 1 ? 1 : -1;
  vector[hash % vector.length]! += sign * weight;
}

export function localEmbedding(text: string, dimensions: number = LOCAL_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Float64Array(dimensions);
  const terms = words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
  terms.forEach((term, i) => {
    addFeature(vector, `w:${term}`, WORD_WEIGHT);
    if (i > 0) addFeature(vector, `p:${terms[i - 1]} ${term}`, PAIR_WEIGHT);
    const padded = `<${term}>`;
    for (let j = 0; j + 3 <= padded.length; j++) addFeature(vector, `c:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
  });
  let norm = 0;
  for (const x of vector) norm += x * x;
  if (norm === 0) {
    // Empty (or stopword-only) text: one fixed unit vector, so cosine similarity stays defined.
    vector[fnv1a("<empty>") % dimensions] = 1;
    norm = 1;
  }
  const scale = 1 / Math.sqrt(norm);
  return Array.from(vector, (x) => x * scale);
}
