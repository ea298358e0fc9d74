/** Small text tools for the local provider: normalised words, stopwords, sentences and a stable hash. */

/** Common English words that carry no topic: ignored for tool keywords, context matching and embeddings. */
export const STOPWORDS: ReadonlySet<string> = new Set(
  (
    "a an the and or but nor is are was were be been being am to of in on at for with by from as into onto over under " +
    "up down out off about it its this that these those there here i me my mine you your yours he him his she her hers " +
    "we us our ours they them their theirs do does did doing done have has had having how what which who whom whose " +
    "where when why can could should would will shall may might must not no yes if then so than too very just also " +
    "all any some each every both either neither such only own same other please tell give show let lets get got " +
    "use using make much many more most less least one"
  ).split(" "),
);

/** Lowercase words of letters and digits, accents removed: "Café au lait!" → ["cafe", "au", "lait"]. */
export function words(text: string): string[] {
  return text
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 0);
}

/** A word's crude stem so plurals and -ing forms meet: "documents" → "document", "cities" → "city". */
export function stem(word: string): string {
  if (word.length > 4 && word.endsWith("ies")) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith("ing")) return word.slice(0, -3);
  if (word.length > 3 && word.endsWith("s") && !word.endsWith("ss")) return word.slice(0, -1);
  return word;
}

/** Stemmed words that say what a text is about (stopwords dropped). */
export function contentWords(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

/** Sentences and lines of a text, with list markers ("- ", "1. ", "[2] ") removed and label-only lines dropped. */
export function sentences(text: string): string[] {
  return text
    .split(/\n+|(?<=[.!?])\s+/)
    .map((s) => s.replace(/^\s*(?:[-*•]|\d+[.)]|\[\d+\])\s+/, "").trim())
    .filter((s) => s.length > 0 && !/^[\p{L}\s]{1,30}:$/u.test(s));
}

/** 32-bit FNV-1a over UTF-16 code units: fast, stable across runs and machines. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
