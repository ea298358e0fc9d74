/** What the `workflow` commands share: the workflow named by an argument or this folder, a run printed, waiting for a run. */
import { loadProjectConfig, UsageError, type ApiClient, type RunInfo } from "@aerostack/runtime";
import type { GlobalOptions } from "./command";
import type { Output } from "./output";

export const FINISHED_RUN: readonly string[] = ["succeeded", "failed", "cancelled"];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function workflowNameFrom(arg: string | undefined, globals: GlobalOptions): Promise<string> {
  if (arg) return arg;
  try {
    const { config } = await loadProjectConfig({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}) });
    if (config.type === "workflow") return config.name;
  } catch {
    // no project here: fall through to the usage error
  }
  throw new UsageError("Which workflow? Name it, or run this in a workflow project's folder.", { hint: "aerostack workflow list refunds" });
}

/** Polls until the run finishes or waits (approval, reply, timer). */
export async function waitForRun(client: ApiClient, id: string): Promise<RunInfo> {
  for (;;) {
    const run = await client.call("getRun", { params: { run: id } });
    if (FINISHED_RUN.includes(run.status) || run.status === "waiting") return run;
    await sleep(100);
  }
}

export function printRun(out: Output, run: RunInfo): void {
  const c = out.color;
  const status = run.status === "failed" ? c.red(run.status) : run.status === "succeeded" ? c.green(run.status) : c.yellow(run.status);
  out.info(`${c.bold(run.id)}  ${run.workflow} v${run.version}  ${status}`);
  for (const w of run.waiting) {
    out.info(`  waiting at ${w.node} for ${w.kind}${w.message ? `: ${w.message}` : ""}${w.kind === "approval" ? c.dim(`  (aerostack workflow approve ${run.id})`) : ""}`);
    if (w.approveUrl) out.info(c.dim(`  signed links (POST): approve ${w.approveUrl}\n                        reject  ${w.rejectUrl ?? ""}`));
  }
  if (run.running.length) out.info(`  running: ${run.running.join(", ")}`);
  if (run.output !== undefined) out.info(`  output: ${JSON.stringify(run.output)}`);
  if (run.error) out.info(c.red(`  error: ${run.error}`));
}
