/**
 * Hub search: BM25 over what a package does (its name, description and summary, and each tool's name and
 * description, weighted by field), blended with the cosine similarity of embeddings from env.AI.embed kept in
 * env.VECTORIZE, so a query in other words ("send a message to my team") still finds the Slack server. Pure
 * functions over an in-memory index the registry rebuilds when it is empty (it is a cache of its own tables).
 */
import { contentWords } from "../bindings/ai/text";
import type { ManifestTool } from "../../shared/hub";

/** How much one occurrence in each field counts: a word in a tool's name says more than one in the summary. */
const FIELD_WEIGHTS = { name: 3, toolName: 2.5, description: 1.5, toolDescription: 1.5, summary: 1 } as const;
const K1 = 1.2;
const B = 0.75;
/** The share of the final score that comes from embeddings (the rest from words). */
export const VECTOR_WEIGHT = 0.35;

export interface SearchDoc {
  name: string;
  description: string;
  summary: string;
  tools: Pick<ManifestTool, "name" | "description">[];
}

interface Indexed {
  terms: Map<string, number>;
  length: number;
}

/** Terms of a tool or package name: `send_message` and `sendMessage` are "send" and "message". */
function nameTerms(name: string): string[] {
  return contentWords(name.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/[_\-@/.]+/g, " "));
}

function indexDoc(doc: SearchDoc): Indexed {
  const terms = new Map<string, number>();
  let length = 0;
  const add = (words: string[], weight: number) => {
    for (const w of words) {
      terms.set(w, (terms.get(w) ?? 0) + weight);
      length += weight;
    }
  };
  add(nameTerms(doc.name), FIELD_WEIGHTS.name);
  add(contentWords(doc.description), FIELD_WEIGHTS.description);
  add(contentWords(doc.summary), FIELD_WEIGHTS.summary);
  for (const t of doc.tools) {
    add(nameTerms(t.name), FIELD_WEIGHTS.toolName);
    add(contentWords(t.description ?? ""), FIELD_WEIGHTS.toolDescription);
  }
  return { terms, length };
}

/** The text embedded for a package: everything search reads, in one passage. */
export function embeddingText(doc: SearchDoc): string {
  return [doc.name, doc.description, doc.summary, ...doc.tools.map((t) => `${t.name}: ${t.description ?? ""}`)].join("\n");
}

export class SearchIndex {
  private readonly docs = new Map<string, Indexed>();
  /** Documents holding each term: BM25's document frequency. */
  private readonly df = new Map<string, number>();
  private totalLength = 0;

  get size(): number {
    return this.docs.size;
  }

  put(doc: SearchDoc): void {
    this.remove(doc.name);
    const indexed = indexDoc(doc);
    this.docs.set(doc.name, indexed);
    this.totalLength += indexed.length;
    for (const term of indexed.terms.keys()) this.df.set(term, (this.df.get(term) ?? 0) + 1);
  }

  remove(name: string): void {
    const old = this.docs.get(name);
    if (!old) return;
    this.docs.delete(name);
    this.totalLength -= old.length;
    for (const term of old.terms.keys()) {
      const n = (this.df.get(term) ?? 1) - 1;
      if (n === 0) this.df.delete(term);
      else this.df.set(term, n);
    }
  }

  /**
   * Scores every document the query's words or `vectorScores` (name → cosine similarity) reach, best first: BM25
   * normalized by the best BM25 of this query, blended with the similarity. `allowed` filters by visibility.
   */
  search(query: string, vectorScores: ReadonlyMap<string, number>, allowed: (name: string) => boolean): { name: string; score: number }[] {
    const terms = [...new Set(nameTerms(query))];
    const n = this.docs.size;
    const avg = n === 0 ? 1 : this.totalLength / n;
    const lexical = new Map<string, number>();
    for (const [name, doc] of this.docs) {
      let score = 0;
      for (const term of terms) {
        const tf = doc.terms.get(term);
        if (!tf) continue;
        const df = this.df.get(term) ?? 0;
        const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
        score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * doc.length) / avg));
      }
      if (score > 0) lexical.set(name, score);
    }
    const best = Math.max(0, ...lexical.values());
    const names = new Set([...lexical.keys(), ...[...vectorScores.keys()].filter((k) => this.docs.has(k))]);
    const out: { name: string; score: number }[] = [];
    for (const name of names) {
      if (!allowed(name)) continue;
      const words = best > 0 ? (lexical.get(name) ?? 0) / best : 0;
      const vector = Math.max(0, vectorScores.get(name) ?? 0);
      // A match in words only counts; a vector neighbour with no shared word needs real similarity to be listed.
      if (words === 0 && vector < 0.5) continue;
      out.push({ name, score: Math.round(((1 - VECTOR_WEIGHT) * words + VECTOR_WEIGHT * vector) * 1000) / 1000 });
    }
    return out.sort((a, b) => b.score - a.score || a.name.localeCompare(b.name));
  }
}
