/**
 * The code_block loop guard. Locally, workerd does not enforce a Worker Loader isolate's CPU limit, and a JavaScript
 * loop that never ends holds the thread every isolate of the platform shares: one `while (true) {}` would stall the
 * whole platform. So before a block is loaded, its source is parsed (acorn: parsed as data, never run here) and every
 * loop body gets a call that counts iterations and throws past a cap. The counter's name carries a random suffix
 * chosen per block, and is a `const`, so the block's code can neither shadow nor replace it (it cannot know the name
 * before it runs, and workers cannot generate code from strings at run time).
 */
import { parse, type Node } from "acorn";
import { randomHex } from "../../../shared/hex";

/** Loop iterations a block may run in one attempt (a few hundred ms of simple loops). */
export const MAX_LOOP_ITERATIONS = 5_000_000;

const LOOPS = new Set(["ForStatement", "ForInStatement", "ForOfStatement", "WhileStatement", "DoWhileStatement"]);

type LoopNode = Node & { body: Node & { type: string } };

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) for (const v of value) if (v && typeof v === "object" && typeof (v as Node).type === "string") out.push(v as Node);
    if (value && typeof value === "object" && !Array.isArray(value) && typeof (value as Node).type === "string") out.push(value as Node);
  }
  return out;
}

/**
 * `body` (the inside of `async function (input) { … }`) with a tick at the top of every loop body, and the tick's
 * declaration; or the syntax error, said with its line and column within the block.
 */
export function guardLoops(body: string): { ok: true; source: string; tick: string } | { ok: false; error: string } {
  const prefix = "async function __block(input) {\n";
  let ast: Node;
  try {
    ast = parse(`${prefix}${body}\n}`, { ecmaVersion: "latest", sourceType: "module" });
  } catch (err) {
    const loc = (err as { loc?: { line: number; column: number } }).loc;
    const message = err instanceof Error ? err.message.replace(/\s*\(\d+:\d+\)$/, "") : String(err);
    return { ok: false, error: `the code does not parse: ${message}${loc ? ` (line ${loc.line - 1}, column ${loc.column + 1})` : ""}` };
  }
  const tick = `__aerostackTick_${randomHex(8)}`;
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: Node) => {
    if (LOOPS.has(node.type)) {
      const loopBody = (node as LoopNode).body;
      if (loopBody.type === "BlockStatement") inserts.push({ at: loopBody.start + 1, text: `${tick}();` });
      else {
        inserts.push({ at: loopBody.start, text: `{${tick}();` });
        inserts.push({ at: loopBody.end, text: "}" });
      }
    }
    for (const child of children(node)) visit(child);
  };
  visit(ast);
  let source = `${prefix}${body}\n}`;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at)) source = `${source.slice(0, at)}${text}${source.slice(at)}`;
  const declaration =
    `let ${tick}_n = 0;\n` +
    `const ${tick} = () => { if (++${tick}_n > ${MAX_LOOP_ITERATIONS}) throw new Error("the code ran more than ${MAX_LOOP_ITERATIONS} loop iterations (an endless loop?)"); };\n`;
  // Strip the wrapper back off: the caller puts the body into its own function.
  return { ok: true, source: source.slice(prefix.length, source.length - 2), tick: declaration };
}
