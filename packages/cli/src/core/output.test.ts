/** Terminal output: text from outside is printed with its control characters escaped. */
import { describe, expect, it } from "vitest";
import { terminalSafe } from "./output";

describe("terminalSafe", () => {
  it("escapes ESC, BEL, CR, backspace and C1 controls (a client name that would recolour or retitle the terminal)", () => {
    expect(terminalSafe("session started by \u001b]0;pwned\u0007evil\u001b[31m\r\b\u009b")).toBe("session started by \\x1b]0;pwned\\x07evil\\x1b[31m\\x0d\\x08\\x9b");
  });
  it("keeps tabs and printable text, including non-ASCII", () => {
    expect(terminalSafe("GET /é\tok → 200")).toBe("GET /é\tok → 200");
  });
});
