/**
 * Workflow runs: a workflow's runs, and one run's trace as a tree (run → node visit → attempts) with each node's
 * input, output, attempts and timings, and approve / reject buttons while a human_handoff waits.
 */
import { useState } from "preact/hooks";
import { html } from "../html";
import { api, get, seg, type Session } from "../api";
import { Loading, Status, useAction, useLoad, when } from "../ui";
import { go, type Route } from "../router";

type PageProps = { route: Route; session: Session };

interface RunSummary {
  id: string;
  version: number;
  status: string;
  trigger: string;
  createdAt: number;
  updatedAt: number;
}
interface TraceEvent {
  id: number;
  ts: number;
  node: string | null;
  visit: number;
  kind: string;
  attempt: number;
  input?: unknown;
  output?: unknown;
  error?: string;
  durationMs?: number;
  tokens?: { input: number; output: number };
  branch?: string;
}
interface RunInfo {
  id: string;
  workflow: string;
  version: number;
  status: string;
  trigger: string;
  createdAt: number;
  updatedAt: number;
  output?: unknown;
  error?: string;
  waiting: { node: string; kind: string; until: number | null; message?: string }[];
}
interface Trace {
  run: RunInfo;
  events: TraceEvent[];
  messages: { id: number; ts: number; node: string | null; text: string }[];
}

export function RunsPage({ route }: PageProps) {
  const [kind, name] = route.args;
  if (kind === "run" && name) return html`<${RunTrace} id=${name} />`;
  return html`<h1 tabindex="-1">Workflow runs</h1><${RunList} workflow=${kind} />`;
}

function RunList({ workflow }: { workflow: string | undefined }) {
  const [name, setName] = useState(workflow ?? "");
  // The audit log names the workflows this account deployed: the picker offers them.
  const audit = useLoad(() => get<{ entries: { action: string; target: string }[] }>("/audit", { limit: 1000 }), []);
  const known = [...new Set((audit.data?.entries ?? []).filter((e) => e.action.startsWith("workflow.deploy")).map((e) => e.target.split(/[@ ]/)[0]!))].sort();
  const runs = useLoad(() => (workflow ? get<{ runs: RunSummary[] }>(`/workflows/${seg(workflow)}/runs`, { limit: 100 }) : Promise.resolve({ runs: [] })), [workflow]);
  return html`<form class="inline" onSubmit=${(e: Event) => {
      e.preventDefault();
      go(`runs/${seg(name)}`);
    }}>
      <label for="wf-name">Workflow</label>
      <input id="wf-name" list="wf-known" required value=${name} onInput=${(e: Event) => setName((e.target as HTMLInputElement).value)} />
      <datalist id="wf-known">${known.map((k) => html`<option value=${k} />`)}</datalist>
      <button type="submit">Show runs</button>
    </form>
    ${runs.error ? html`<${Status} error=${runs.error} />` : null}
    ${workflow && runs.data
      ? html`<table>
          <caption>Runs of ${workflow}, newest first</caption>
          <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Trigger</th><th scope="col">Started</th><th scope="col">Updated</th></tr></thead>
          <tbody>${runs.data.runs.map((r) => html`<tr><td><a href=${`#/runs/run/${seg(r.id)}`}>${r.id}</a></td><td>${r.status}</td><td>${r.trigger}</td><td>${when(r.createdAt)}</td><td>${when(r.updatedAt)}</td></tr>`)}</tbody>
        </table>`
      : null}`;
}

function RunTrace({ id }: { id: string }) {
  const trace = useLoad(() => get<Trace>(`/runs/${seg(id)}/trace`), [id]);
  const [status, run] = useAction();
  const [reason, setReason] = useState("");
  const decide = async (approve: boolean) => {
    if (await run(approve ? "Approved." : "Rejected.", () => api("POST", `/runs/${seg(id)}/decision`, { approve, ...(reason ? { reason } : {}) }))) trace.reload();
  };
  if (trace.error) return html`<h1 tabindex="-1">Run ${id}</h1><${Status} error=${trace.error} />`;
  if (!trace.data) return html`<h1 tabindex="-1">Run ${id}</h1><${Loading} what="the trace" />`;
  const { run: info, events, messages } = trace.data;
  // node#visit → its events in order: the tree's second level; attempts are the third.
  const nodes = new Map<string, TraceEvent[]>();
  for (const e of events) {
    const key = e.node === null ? "(run)" : `${e.node}#${e.visit}`;
    nodes.set(key, [...(nodes.get(key) ?? []), e]);
  }
  const approval = info.waiting.find((w) => w.kind === "approval" || w.kind === "human_handoff");
  return html`<h1 tabindex="-1">Run ${info.id}</h1>
    <p><a href=${`#/runs/${seg(info.workflow)}`}>Runs of ${info.workflow}</a> · version ${info.version} · <strong>${info.status}</strong> · started ${when(info.createdAt)}</p>
    <${Status} ...${status} />
    ${info.error ? html`<p class="error">${info.error}</p>` : null}
    ${approval
      ? html`<section aria-labelledby="approve-h" class="once">
          <h2 id="approve-h">Waiting for a decision at ${approval.node}</h2>
          ${approval.message ? html`<p>${approval.message}</p>` : null}
          <label for="reason">Reason (optional)</label>
          <input id="reason" value=${reason} onInput=${(e: Event) => setReason((e.target as HTMLInputElement).value)} />
          <p><button type="button" onClick=${() => decide(true)} disabled=${status.busy}>Approve</button> <button type="button" class="danger" onClick=${() => decide(false)} disabled=${status.busy}>Reject</button></p>
        </section>`
      : null}
    <h2>Trace</h2>
    <ul class="tree" aria-label="Trace of the run">
      <li><strong>${info.workflow}</strong> (${info.status})
        <ul>
          ${[...nodes.entries()].map(([key, list]) => html`<li><${NodeView} name=${key} events=${list} /></li>`)}
        </ul>
      </li>
    </ul>
    ${messages.length ? html`<h2>Messages</h2><ul>${messages.map((m) => html`<li>${when(m.ts)} ${m.node ? html`<code>${m.node}</code>` : null} ${m.text}</li>`)}</ul>` : null}
    ${info.output !== undefined ? html`<h2>Output</h2><pre tabindex="0">${JSON.stringify(info.output, null, 2)}</pre>` : null}`;
}

function NodeView({ name, events }: { name: string; events: TraceEvent[] }) {
  const attempts = new Map<number, TraceEvent[]>();
  for (const e of events) attempts.set(e.attempt, [...(attempts.get(e.attempt) ?? []), e]);
  const last = events.at(-1)!;
  const took = events.reduce((sum, e) => sum + (e.durationMs ?? 0), 0);
  return html`<details>
    <summary><code>${name}</code> ${last.kind} · ${attempts.size} attempt${attempts.size === 1 ? "" : "s"}${took ? ` · ${took} ms` : ""}${last.error ? " · failed" : ""}</summary>
    <ul>
      ${[...attempts.entries()].map(
        ([n, list]) => html`<li>Attempt ${n}
          <ul>${list.map(
            (e) => html`<li>${when(e.ts)} <strong>${e.kind}</strong>${e.durationMs !== undefined ? ` · ${e.durationMs} ms` : ""}${e.branch ? ` · branch ${e.branch}` : ""}${e.tokens ? ` · tokens ${e.tokens.input}/${e.tokens.output}` : ""}
              ${e.input !== undefined ? html`<div>Input<pre tabindex="0">${JSON.stringify(e.input, null, 2)}</pre></div>` : null}
              ${e.output !== undefined ? html`<div>Output<pre tabindex="0">${JSON.stringify(e.output, null, 2)}</pre></div>` : null}
              ${e.error ? html`<p class="error">${e.error}</p>` : null}</li>`,
          )}</ul></li>`,
      )}
    </ul>
  </details>`;
}
