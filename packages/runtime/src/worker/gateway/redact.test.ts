/** The redactor on its own: a secret written in every way a JSON serializer or URL encoder may write it. */
import { describe, expect, it } from "vitest";
import { redactor } from "./redact";

const SECRET = "sk-live/Gate way+\"é€😀-0123";
/** Every UTF-16 unit as `\uXXXX`, in the case asked for. */
const escapeAll = (s: string, upper: boolean) =>
  Array.from({ length: s.length }, (_, i) => `\\u${s.charCodeAt(i).toString(16).padStart(4, "0")}`).map((e) => (upper ? e.toUpperCase().replace("\\U", "\\u") : e)).join("");

describe("redactor", () => {
  const r = redactor([SECRET]);
  const clean = (raw: string) => {
    const out = JSON.stringify(r.value(JSON.parse(raw)));
    // What a client decodes from the re-serialized message must not hold the value, nor any of its spellings.
    expect(JSON.stringify(JSON.parse(out))).not.toContain(SECRET);
    expect(out).toContain("[redacted]");
    return out;
  };

  it("finds the value written plainly, fully escaped, partly escaped and with escaped slashes", () => {
    clean(JSON.stringify({ a: SECRET }));
    clean(`{"a":"${escapeAll(SECRET, false)}"}`);
    clean(`{"a":"${escapeAll(SECRET, true)}"}`);
    clean(`{"a":"\\u0073${JSON.stringify(SECRET).slice(2, -1).replace("/", "\\/")}"}`);
  });

  it("finds it in keys, URL-encoded, and inside JSON text nested in a string", () => {
    const out = clean(JSON.stringify({ [SECRET]: 1 }));
    expect(Object.keys(JSON.parse(out) as object)).toEqual(["[redacted]"]);
    clean(JSON.stringify({ link: `https://x.example/?k=${encodeURIComponent(SECRET)}` }));
    // A tool that returns JSON text as its text content, the value escaped in that text.
    clean(JSON.stringify({ text: `{"inner":"${escapeAll(SECRET, false)}"}` }));
  });

  it("leaves other text, numbers and a __proto__ key as they were", () => {
    const value = JSON.parse('{"n": 1, "ok": [true, null, "plain"], "__proto__": {"x": 1}}') as object;
    expect(JSON.stringify(r.value(value))).toBe(JSON.stringify(value));
    expect(redactor([]).value(value)).toBe(value);
  });
});
