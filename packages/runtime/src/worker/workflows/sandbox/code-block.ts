/**
 * code_block's sandbox (ARCHITECTURE decision 5): the user's JavaScript runs in its own Worker Loader isolate with
 * `globalOutbound: null` (no fetch, no connect), no bindings, a CPU limit, an iteration cap on every loop
 * (loop-guard.ts: local workerd does not enforce the CPU limit), and JSON in and out as strings, so nothing but data
 * crosses. The platform never evaluates the code itself (no eval, node:vm or Function()). Isolates are
 * keyed by the code's hash: a warm block costs one RPC.
 */
import type { PlatformEnv } from "../../env";
import { sha256Hex } from "../../../shared/sha256";
import { WORKFLOW_LIMITS } from "../../../shared/workflows";
import { NodeFailure } from "../nodes/types";
import { guardLoops } from "./loop-guard";

const MAIN = "block.js";

/** The module around the user's function body (loops guarded); `__aerostackRun` is the only thing the platform calls. */
function moduleSource(guarded: { source: string; tick: string }): string {
  const counter = /^let (\S+) = 0;/.exec(guarded.tick)![1];
  return `import { WorkerEntrypoint } from "cloudflare:workers";
${guarded.tick}
const __aerostackUser = async function (input) {
${guarded.source}
};
export class Block extends WorkerEntrypoint {
  async __aerostackRun(json) {
    ${counter} = 0;
    const value = await __aerostackUser(JSON.parse(json));
    if (value === undefined) return "null";
    let out;
    try { out = JSON.stringify(value); } catch (err) { throw new Error("the return value is not JSON (" + (err && err.message) + ")"); }
    if (out === undefined) throw new Error("the return value is not JSON (a " + typeof value + ")");
    return out;
  }
}
export default { fetch() { return new Response(null, { status: 404 }); } };
`;
}

interface BlockEntry {
  __aerostackRun(json: string): Promise<string>;
}

/** Runs `code` with `input`; a failure of the user's code (syntax, throw, CPU, output) is a NodeFailure naming it. */
export async function runCodeBlock(env: PlatformEnv, code: string, input: unknown, cpuMs: number, timeoutMs: number): Promise<unknown> {
  if (code.length > WORKFLOW_LIMITS.maxCodeChars) throw new NodeFailure(`code_block: the code is ${code.length} characters, more than ${WORKFLOW_LIMITS.maxCodeChars}`);
  const json = JSON.stringify(input ?? null);
  if (json.length > WORKFLOW_LIMITS.maxCodeIoBytes) throw new NodeFailure(`code_block: the input is ${json.length} bytes of JSON, more than ${WORKFLOW_LIMITS.maxCodeIoBytes}`);
  const limit = Math.min(cpuMs, WORKFLOW_LIMITS.maxCodeCpuMs);
  const guarded = guardLoops(code);
  if (!guarded.ok) throw new NodeFailure(`code_block: ${guarded.error}`);
  const id = `workflow-code:${await sha256Hex(`${limit}\n${code}`)}`;
  const worker = env.LOADER.get(id, () => ({
    compatibilityDate: "2025-09-01",
    mainModule: MAIN,
    modules: { [MAIN]: moduleSource(guarded) },
    // No network at all: fetch() and connect() throw inside the block.
    globalOutbound: null,
    env: {},
    limits: { cpuMs: limit, subRequests: 0 },
  }));
  const entry = worker.getEntrypoint("Block") as unknown as BlockEntry;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new NodeFailure(`code_block: no answer within ${timeoutMs} ms (an endless loop?)`)), timeoutMs);
  });
  let out: string;
  try {
    out = await Promise.race([entry.__aerostackRun(json), timeout]);
  } catch (err) {
    if (err instanceof NodeFailure) throw err;
    const message = err instanceof Error ? err.message : String(err);
    throw new NodeFailure(`code_block: ${describe(message, limit)}`);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
  if (out.length > WORKFLOW_LIMITS.maxCodeIoBytes) throw new NodeFailure(`code_block: the result is ${out.length} bytes of JSON, more than ${WORKFLOW_LIMITS.maxCodeIoBytes}`);
  return JSON.parse(out) as unknown;
}

/** workerd's wording for a few failures, said in the user's terms. */
function describe(message: string, cpuMs: number): string {
  if (/exceeded cpu|cpu time limit|script will never generate a response/i.test(message)) return `the code used more than its ${cpuMs} ms of CPU (an endless loop?)`;
  if (/disallowed|network|globalOutbound|fetch/i.test(message) && /outbound|network|fetch|connect/i.test(message)) return `the code tried the network, which a code_block cannot use (${message})`;
  return message;
}
