// The code_block loop guard rewrites every loop body (blocks and single statements, nested loops) to count
// iterations under a name the code cannot know, and reports syntax errors instead of loading broken code.
import { describe, expect, it } from "vitest";
import { guardLoops, MAX_LOOP_ITERATIONS } from "./loop-guard";

/** Runs a guarded body in Node (the test's own process, not the platform) and returns what it returned or threw. */
async function run(body: string): Promise<unknown> {
  const guarded = guardLoops(body);
  if (!guarded.ok) throw new Error(guarded.error);
  const { tick, source } = guarded;
  const module = `${tick}\nreturn (async function (input) {\n${source}\n})({});`;
  // A test of the rewrite, run in Node (never in the platform, which only parses the code).
  return (new Function(module) as () => Promise<unknown>)();
}

describe("guardLoops", () => {
  it("stops every kind of endless loop past the cap", async () => {
    for (const body of ["while (true) {}", "for (;;) ;", "do { } while (1)", "let i = 0; while (true) i++;", "for (const x of (function* () { for (;;) yield 1; })()) {}", "outer: for (;;) { for (;;) continue outer; }"]) {
      await expect(run(body), body).rejects.toThrow(`more than ${MAX_LOOP_ITERATIONS} loop iterations`);
    }
  });

  it("leaves loops that end alone, and cannot be switched off by the code", async () => {
    expect(await run("let s = 0; for (let i = 0; i < 1000; i++) s += i; return s;")).toBe(499500);
    const a = guardLoops("while (true) {}");
    const b = guardLoops("while (true) {}");
    expect(a.ok && b.ok && a.tick !== b.tick).toBe(true);
    await expect(run("const __aerostackTick = () => {}; while (true) {}")).rejects.toThrow(/loop iterations/);
  });

  it("reports a syntax error with its place", () => {
    expect(guardLoops("return {")).toEqual({ ok: false, error: expect.stringMatching(/^the code does not parse: Unexpected token \(line \d+, column \d+\)$/) });
  });
});
