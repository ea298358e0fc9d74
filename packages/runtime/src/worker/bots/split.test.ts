// splitMessage: parts never exceed the limit, cut on a boundary when one is near, and lose no text.
import { describe, expect, it } from "vitest";
import { splitMessage } from "./split";

describe("splitMessage", () => {
  it("keeps a short message whole", () => {
    expect(splitMessage("hello", 10)).toEqual(["hello"]);
  });

  it("cuts on a line or word boundary and loses no words", () => {
    const text = Array.from({ length: 50 }, (_, i) => `word${i}`).join(" ");
    const parts = splitMessage(text, 40);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(40);
    expect(parts.join(" ")).toBe(text);
    expect(parts.every((p) => /^word\d+( word\d+)*$/.test(p))).toBe(true);
  });

  it("prefers a paragraph break, and hard-cuts a word longer than the limit", () => {
    expect(splitMessage(`${"a".repeat(30)}\n\n${"b".repeat(30)}`, 40)).toEqual(["a".repeat(30), "b".repeat(30)]);
    expect(splitMessage("x".repeat(25), 10)).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });
});
