/** Keeps a member's secret values out of what it sends back, on the parsed message, in any encoding a serializer produces. */

const REDACTED = "[redacted]";
/** Shorter values would redact ordinary words; the vault's secrets are keys and tokens, far longer. */
const MIN_SECRET_LENGTH = 4;

/** Removes secret values from a member's output before the gateway re-serializes it for its client. */
export interface Redactor {
  /** Every string inside a parsed JSON value, object keys included; returns a copy when anything was found. */
  value(value: unknown): unknown;
  /** Text the gateway composes from a member's words (an HTTP error body, a redirect target). */
  text(text: string): string;
}

export const NO_REDACTION: Redactor = { value: (v) => v, text: (t) => t };

/** `[hH]`-style classes so `\u00e9` and `\u00E9` (JSON serializers pick either case) both match. */
const anyCaseHex = (hex: string) => [...hex].map((d) => (/[a-f]/i.test(d) ? `[${d.toLowerCase()}${d.toUpperCase()}]` : d)).join("");
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

const SHORT_ESCAPES: Record<string, string> = { '"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

/**
 * One character of a secret as a JSON serializer or URL encoder may have written it: itself, `\uXXXX` per UTF-16
 * unit (either hex case), its short escape (`\/`, `\"`, …), or its UTF-8 bytes percent-encoded. Each character of
 * the value chooses on its own, so a serializer that escapes only some of them (`\u0073k-…`) is still caught.
 */
function characterPattern(ch: string): string {
  const forms = new Set<string>([escapeRegExp(ch)]);
  const units = Array.from({ length: ch.length }, (_, i) => ch.charCodeAt(i));
  forms.add(units.map((u) => `\\\\u${anyCaseHex(u.toString(16).padStart(4, "0"))}`).join(""));
  const short = SHORT_ESCAPES[ch];
  if (short) forms.add(escapeRegExp(short));
  const percent = [...new TextEncoder().encode(ch)].map((b) => `%${anyCaseHex(b.toString(16).padStart(2, "0"))}`).join("");
  forms.add(percent);
  if (ch === " ") forms.add("\\+");
  return `(?:${[...forms].join("|")})`;
}

function secretPattern(value: string): string {
  return [...value].map(characterPattern).join("");
}

export function redactor(values: readonly string[]): Redactor {
  const secrets = [...new Set(values.filter((v) => v.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
  if (secrets.length === 0) return NO_REDACTION;
  const pattern = new RegExp(secrets.map(secretPattern).join("|"), "g");
  const text = (s: string): string => (s.length < MIN_SECRET_LENGTH ? s : s.replace(pattern, REDACTED));
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(v)) {
        // JSON.parse makes "__proto__" an own key; a plain assignment would set the copy's prototype instead.
        Object.defineProperty(out, text(key), { value: walk(item), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return { value: walk, text };
}
