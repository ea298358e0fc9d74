/**
 * A run's trace as a tree a person can read: the run, then each node path (`node#visit`) with its attempts, timings,
 * tokens, branch, waits and errors, inputs and outputs abbreviated. `aerostack workflow logs` prints it.
 */
import type { RunInfo, TraceEvent } from "../../shared/workflows";

const clip = (value: unknown, max = 120): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
};

const DESCRIBE: Record<string, (e: TraceEvent) => string> = {
  attempt_started: (e) => `attempt ${e.attempt} started`,
  resumed: (e) => `resumed (${clip(e.output && (e.output as { wake?: string }).wake)})`,
  completed: (e) =>
    `completed${e.branch && e.branch !== "next" ? ` → ${e.branch}` : ""}${e.durationMs !== undefined ? ` in ${e.durationMs} ms` : ""}${e.tokens ? `, ${e.tokens.input}+${e.tokens.output} tokens` : ""}`,
  attempt_failed: (e) => `attempt ${e.attempt} failed: ${e.error ?? ""}`,
  failed: (e) => `failed: ${e.error ?? ""}`,
  waiting: (e) => `waiting for ${clip((e.output as { wait?: string } | undefined)?.wait ?? "time")}${(e.output as { message?: string } | undefined)?.message ? `: ${clip((e.output as { message: string }).message, 80)}` : ""}`,
  interrupted: () => "interrupted by a platform restart; runs again",
  event: (e) => `received ${clip((e.output as { event?: string } | undefined)?.event ?? "an event")}`,
  retry_from: () => "run again from here",
};

export function renderTraceTree(run: RunInfo, events: TraceEvent[], color: { dim(s: string): string; red(s: string): string; green(s: string): string; bold(s: string): string } = { dim: String, red: String, green: String, bold: String }): string[] {
  const lines = [`${color.bold(run.id)}  ${run.workflow} v${run.version}  ${run.status === "failed" ? color.red(run.status) : run.status === "succeeded" ? color.green(run.status) : run.status}  (${run.trigger})`];
  const groups = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.node === null) continue;
    const key = `${e.node}#${e.visit}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const keys = [...groups.keys()];
  keys.forEach((key, i) => {
    const last = i === keys.length - 1;
    lines.push(`${last ? "└─" : "├─"} ${color.bold(key)}`);
    const pad = last ? "   " : "│  ";
    for (const e of groups.get(key)!) {
      const text = (DESCRIBE[e.kind] ?? ((x: TraceEvent) => x.kind))(e);
      lines.push(`${pad}${color.dim(new Date(e.ts).toISOString().slice(11, 23))} ${e.kind.includes("fail") ? color.red(text) : text}`);
      if (e.kind === "completed") {
        if (e.input !== undefined) lines.push(`${pad}   ${color.dim("in ")} ${clip(e.input)}`);
        lines.push(`${pad}   ${color.dim("out")} ${clip(e.output)}`);
      }
    }
  });
  if (run.error) lines.push(color.red(`error: ${run.error}`));
  else if (run.output !== undefined) lines.push(`output: ${clip(run.output, 400)}`);
  for (const w of run.waiting) lines.push(`waiting: ${w.node} for ${w.kind}${w.message ? ` — ${w.message}` : ""}`);
  return lines;
}
