/** Human rendering of platform log entries (a request line per request id, its console output and exceptions under it) and of workspace call records. */
import type { CallRecord, LogEntry } from "@aerostack/runtime";
import type { ChalkInstance } from "chalk";

function clock(ts: number): string {
  const d = new Date(ts);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

function statusColor(c: ChalkInstance, status: number): (s: string) => string {
  return status >= 500 ? c.red : status >= 400 ? c.yellow : c.green;
}

function requestLine(c: ChalkInstance, e: LogEntry): string {
  const status = e.status ?? 0;
  const ms = e.durationMs === undefined ? "" : ` (${Math.round(e.durationMs)} ms)`;
  return `${e.method ?? "?"} ${e.path ?? "?"} → ${statusColor(c, status)(String(status))}${ms}`;
}

function childLines(c: ChalkInstance, e: LogEntry, indent: string): string[] {
  if (e.type === "exception") {
    const stack = (e.stack ?? "").split("\n").filter((l) => l.trim() !== "" && l.trim() !== e.message.trim());
    return [c.red(`${indent}✘ ${e.message}`), ...stack.map((l) => c.red(`${indent}  ${l.trim()}`))];
  }
  const level = e.level === "log" || e.level === "info" ? "" : `${e.level === "error" ? c.red(e.level) : e.level === "warn" ? c.yellow(e.level) : c.dim(e.level)} `;
  return e.message.split("\n").map((line, i) => `${indent}${i === 0 ? level : ""}${line}`);
}

/**
 * Entries grouped by request id in order of first appearance: the request's line (time, id, `GET /path → 200 (3 ms)`)
 * then its console lines and exceptions indented. Entries outside a request (queue, cron) stand alone.
 */
export function formatLogEntries(entries: LogEntry[], c: ChalkInstance): string[] {
  const groups = new Map<string, LogEntry[]>();
  const order: (string | LogEntry)[] = [];
  for (const e of entries) {
    if (e.requestId === null) {
      order.push(e);
      continue;
    }
    const group = groups.get(e.requestId);
    if (group) group.push(e);
    else {
      groups.set(e.requestId, [e]);
      order.push(e.requestId);
    }
  }
  const lines: string[] = [];
  for (const item of order) {
    if (typeof item !== "string") {
      const prefix = `${c.dim(clock(item.ts))} `;
      if (item.type === "request") lines.push(`${prefix}${requestLine(c, item)}`);
      else lines.push(...childLines(c, item, "").map((l, i) => (i === 0 ? `${prefix}${l}` : `             ${l}`)));
      continue;
    }
    const group = groups.get(item)!;
    const request = group.find((e) => e.type === "request");
    const head = request ?? group[0]!;
    lines.push(`${c.dim(clock(head.ts))} ${c.dim(item)} ${request ? requestLine(c, request) : ""}`.trimEnd());
    for (const e of group) if (e !== request) lines.push(...childLines(c, e, "    "));
  }
  return lines;
}

/** Workspace call outcomes that are not success: a tool's own error in yellow, the gateway's refusals and failures in red. */
function outcomeText(c: ChalkInstance, r: CallRecord): string {
  const text = r.errorClass ? `${r.outcome} (${r.errorClass})` : r.outcome;
  return r.outcome === "ok" ? c.green(text) : r.outcome === "tool_error" ? c.yellow(text) : c.red(text);
}

/** One line per gateway call: time, who (token name), what (member__tool, or the method), outcome, latency. */
export function formatCallRecords(records: CallRecord[], c: ChalkInstance): string[] {
  return records.map((r) => {
    const what = r.tool ? (r.member ? `${r.member}__${r.tool}` : r.tool) : r.member ? `${r.method} ${r.member}` : r.method;
    const args = r.arguments ? c.dim(` ${r.arguments}`) : "";
    return `${c.dim(clock(r.ts))} ${(r.tokenName ?? "-").padEnd(12)} ${what} → ${outcomeText(c, r)} (${Math.round(r.latencyMs)} ms)${args}`;
  });
}
