/**
 * What the `workflow` commands share: the platform they talk to (this folder's `aerostack dev`, else the logged-in
 * one), the workflow named by an argument or this folder, a run printed, waiting for a run.
 */
import { ApiClient, liveDevLock, loadProjectConfig, UsageError, type RunInfo } from "@aerostack/runtime";
import type { GlobalOptions } from "./command";
import type { Output } from "./output";
import { connect } from "./platform";

export const LOCAL_OPTION = { flags: "--local", description: "talk to this folder's running `aerostack dev` (fail if there is none)" };

/**
 * In a workflow project whose `aerostack dev` is running, the commands reach that dev server (its lock file holds the
 * URL and this start's key, 0600) — the runs a save and a webhook make locally are there. Elsewhere: the platform
 * `aerostack login` (or AEROSTACK_API_URL / AEROSTACK_API_KEY) names. `--local` insists on the dev server.
 */
export async function connectWorkflows(globals: GlobalOptions, options: { local?: boolean } = {}): Promise<ApiClient> {
  let dev: { url: string; apiKey?: string } | null = null;
  try {
    const { config, root } = await loadProjectConfig({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}) });
    if (config.type === "workflow") dev = await liveDevLock(root, config.name);
  } catch {
    // not in a project: the logged-in platform
  }
  if (dev?.apiKey) return new ApiClient({ url: dev.url, key: dev.apiKey });
  if (options.local) {
    throw new UsageError("--local: no `aerostack dev` is running for a workflow project in this folder.", {
      hint: "Start `aerostack dev` in this folder (another terminal), or drop --local to use the platform you are logged in to.",
    });
  }
  return connect();
}

export const FINISHED_RUN: readonly string[] = ["succeeded", "failed", "cancelled"];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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
