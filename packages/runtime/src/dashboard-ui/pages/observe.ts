/**
 * Observability pages of a workspace: the gateway's call log (filters by member, tool, outcome and time, and a live
 * tail that polls with the log's cursor), and analytics as SVG charts drawn from the hourly histograms
 * (`/analytics/timeline`): calls, error rate and p50/p95 latency, per member and per tool, over time.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { html } from "../html";
import { get, seg, type Session } from "../api";
import { Loading, Status, message, useLoad, when } from "../ui";
import { useWorkspaces, WorkspacePicker } from "./manage";
import type { Route } from "../router";

type PageProps = { route: Route; session: Session };

interface CallRecord {
  id: number;
  ts: number;
  tokenName: string | null;
  method: string;
  member: string | null;
  tool: string | null;
  latencyMs: number;
  outcome: string;
  errorClass: string | null;
}
interface Series {
  key: string;
  calls: number[];
  errors: number[];
  p50Ms: number[];
  p95Ms: number[];
  total: { calls: number; errors: number; p50Ms: number; p95Ms: number };
}
interface Timeline {
  since: number;
  bucketMs: number;
  buckets: number[];
  total: Series;
  byMember: Series[];
  byTool: Series[];
}

const OUTCOMES = ["ok", "tool_error", "error", "timeout", "denied", "rate_limited"];
const TAIL_MS = 2000;
const MAX_ROWS = 500;

export function LogsPage({ route }: PageProps) {
  const workspaces = useWorkspaces();
  const slug = route.args[0];
  return html`<h1 tabindex="-1">Call log</h1>
    ${workspaces.data ? html`<${WorkspacePicker} page="logs" selected=${slug} workspaces=${workspaces.data.workspaces} />` : html`<${Loading} what="workspaces" />`}
    ${slug ? html`<${CallLog} slug=${slug} />` : null}`;
}

function CallLog({ slug }: { slug: string }) {
  const [filters, setFilters] = useState({ member: "", tool: "", outcome: "", since: "", until: "" });
  const [rows, setRows] = useState<CallRecord[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [live, setLive] = useState(false);
  const cursor = useRef(0);
  const query = () => ({
    member: filters.member,
    tool: filters.tool,
    outcome: filters.outcome,
    since: filters.since ? Date.parse(filters.since) : undefined,
    until: filters.until ? Date.parse(filters.until) : undefined,
  });
  useEffect(() => {
    let on = true;
    get<{ entries: CallRecord[]; cursor: number }>(`/workspaces/${seg(slug)}/logs`, { ...query(), limit: 200 }).then(
      (page) => {
        if (!on) return;
        cursor.current = page.cursor;
        setRows(page.entries.reverse());
        setError(undefined);
      },
      (err: unknown) => on && setError(message(err)),
    );
    return () => {
      on = false;
    };
  }, [slug, filters.member, filters.tool, filters.outcome, filters.since, filters.until]);
  // The live tail: ask for records after the cursor every couple of seconds while switched on.
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(async () => {
      try {
        const page = await get<{ entries: CallRecord[]; cursor: number }>(`/workspaces/${seg(slug)}/logs`, { ...query(), until: undefined, after: cursor.current, limit: 200 });
        cursor.current = page.cursor;
        if (page.entries.length) setRows((r) => [...page.entries.reverse(), ...r].slice(0, MAX_ROWS));
      } catch (err) {
        setError(message(err));
      }
    }, TAIL_MS);
    return () => clearInterval(timer);
  }, [live, slug, filters.member, filters.tool, filters.outcome, filters.since]);
  const field = (name: keyof typeof filters) => (e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value });
  return html`<form class="filters" onSubmit=${(e: Event) => e.preventDefault()} aria-label="Filters">
      <div><label for="f-member">Member</label><input id="f-member" value=${filters.member} onChange=${field("member")} /></div>
      <div><label for="f-tool">Tool</label><input id="f-tool" value=${filters.tool} onChange=${field("tool")} /></div>
      <div><label for="f-outcome">Outcome</label>
        <select id="f-outcome" value=${filters.outcome} onChange=${field("outcome")}><option value="">any</option>${OUTCOMES.map((o) => html`<option value=${o}>${o}</option>`)}</select></div>
      <div><label for="f-since">From</label><input id="f-since" type="datetime-local" value=${filters.since} onChange=${field("since")} /></div>
      <div><label for="f-until">Until</label><input id="f-until" type="datetime-local" value=${filters.until} onChange=${field("until")} /></div>
      <label class="switch"><input type="checkbox" role="switch" checked=${live} onChange=${(e: Event) => setLive((e.target as HTMLInputElement).checked)} /> Live tail</label>
    </form>
    <${Status} error=${error} />
    <div aria-live=${live ? "polite" : "off"} aria-relevant="additions">
    <table>
      <caption>Calls, newest first (${rows.length} shown)</caption>
      <thead><tr><th scope="col">Time</th><th scope="col">Token</th><th scope="col">Method</th><th scope="col">Member</th><th scope="col">Tool</th><th scope="col">Latency</th><th scope="col">Outcome</th></tr></thead>
      <tbody>
        ${rows.map(
          (r) => html`<tr key=${r.id}><td>${when(r.ts)}</td><td>${r.tokenName ?? "—"}</td><td>${r.method}</td><td>${r.member ?? "—"}</td><td>${r.tool ?? "—"}</td>
            <td>${r.latencyMs} ms</td><td><span class=${r.outcome === "ok" ? "badge" : "badge off"}>${r.outcome}</span>${r.errorClass ? html` <span class="muted">${r.errorClass}</span>` : null}</td></tr>`,
        )}
      </tbody>
    </table>
    </div>`;
}

// ── analytics ────────────────────────────────────────────────────────────────────────────────────────────────

const RANGES = [
  { id: "24h", label: "Last 24 hours", ms: 86_400_000, bucket: 1 },
  { id: "7d", label: "Last 7 days", ms: 7 * 86_400_000, bucket: 6 },
  { id: "30d", label: "Last 30 days", ms: 30 * 86_400_000, bucket: 24 },
];
const COLORS = ["#0a58ca", "#b42318", "#1a7f37", "#9a6700", "#8250df", "#0e7490", "#c2410c", "#57606a"];

export function AnalyticsPage({ route }: PageProps) {
  const workspaces = useWorkspaces();
  const slug = route.args[0];
  return html`<h1 tabindex="-1">Analytics</h1>
    ${workspaces.data ? html`<${WorkspacePicker} page="analytics" selected=${slug} workspaces=${workspaces.data.workspaces} />` : html`<${Loading} what="workspaces" />`}
    ${slug ? html`<${Charts} slug=${slug} />` : null}`;
}

function Charts({ slug }: { slug: string }) {
  const [range, setRange] = useState(RANGES[1]!);
  const [by, setBy] = useState<"byMember" | "byTool">("byMember");
  const data = useLoad(() => get<Timeline>(`/workspaces/${seg(slug)}/analytics/timeline`, { since: Date.now() - range.ms, bucket: range.bucket }), [slug, range.id]);
  const t = data.data;
  const lines = t ? t[by] : [];
  const rate = (s: Series) => s.calls.map((c, i) => (c ? (s.errors[i]! / c) * 100 : 0));
  return html`<div class="filters">
      <div><label for="a-range">Range</label><select id="a-range" value=${range.id} onChange=${(e: Event) => setRange(RANGES.find((r) => r.id === (e.target as HTMLSelectElement).value)!)}>
        ${RANGES.map((r) => html`<option value=${r.id}>${r.label}</option>`)}</select></div>
      <div><label for="a-by">Lines per</label><select id="a-by" value=${by} onChange=${(e: Event) => setBy((e.target as HTMLSelectElement).value as typeof by)}>
        <option value="byMember">member</option><option value="byTool">tool</option></select></div>
    </div>
    ${data.error ? html`<${Status} error=${data.error} />` : null}
    ${!t
      ? html`<${Loading} what="analytics" />`
      : html`<section aria-labelledby="a-sum" data-ready="analytics">
          <h2 id="a-sum">${t.total.total.calls.toLocaleString()} calls · ${pct(t.total.total.errors, t.total.total.calls)} errors · p50 ${t.total.total.p50Ms} ms · p95 ${t.total.total.p95Ms} ms</h2>
          <div class="charts">
            <${Chart} title="Calls" unit="calls" buckets=${t.buckets} lines=${lines.map((s) => ({ key: s.key, values: s.calls }))} />
            <${Chart} title="Error rate" unit="%" buckets=${t.buckets} lines=${lines.map((s) => ({ key: s.key, values: rate(s) }))} />
            <${Chart} title="p50 latency" unit="ms" buckets=${t.buckets} lines=${lines.map((s) => ({ key: s.key, values: s.p50Ms }))} />
            <${Chart} title="p95 latency" unit="ms" buckets=${t.buckets} lines=${lines.map((s) => ({ key: s.key, values: s.p95Ms }))} />
          </div>
          <table>
            <caption>Per ${by === "byMember" ? "member" : "tool"} over the range (latency from ~19% wide histogram bins)</caption>
            <thead><tr><th scope="col">${by === "byMember" ? "Member" : "Tool"}</th><th scope="col">Calls</th><th scope="col">Error rate</th><th scope="col">p50</th><th scope="col">p95</th></tr></thead>
            <tbody>${lines.map((s) => html`<tr><th scope="row">${s.key}</th><td>${s.total.calls.toLocaleString()}</td><td>${pct(s.total.errors, s.total.calls)}</td><td>${s.total.p50Ms} ms</td><td>${s.total.p95Ms} ms</td></tr>`)}</tbody>
          </table>
        </section>`}`;
}

function pct(part: number, whole: number): string {
  return whole ? `${((part / whole) * 100).toFixed(1)}%` : "0%";
}

/** A line chart in SVG (no chart library: a few lines of path data are enough), with a text summary for screen readers. */
function Chart({ title, unit, buckets, lines }: { title: string; unit: string; buckets: number[]; lines: { key: string; values: number[] }[] }) {
  const W = 360;
  const H = 160;
  const P = 28;
  const max = Math.max(1, ...lines.flatMap((l) => l.values));
  const x = (i: number) => P + (buckets.length > 1 ? (i / (buckets.length - 1)) * (W - P - 6) : 0);
  const y = (v: number) => H - 18 - (v / max) * (H - 30);
  const summary = lines.length
    ? lines.map((l) => `${l.key}: peak ${fmt(Math.max(...l.values))} ${unit}`).join("; ")
    : "no calls in this range";
  return html`<figure>
    <figcaption>${title}</figcaption>
    <svg class="chart" viewBox=${`0 0 ${W} ${H}`} role="img" aria-label=${`${title}: ${summary}`}>
      <line x1=${P} y1=${H - 18} x2=${W - 6} y2=${H - 18} stroke="#d0d7de" />
      <text x="2" y="14" font-size="10" fill="#57606a">${fmt(max)} ${unit}</text>
      <text x=${P} y=${H - 4} font-size="10" fill="#57606a">${buckets.length ? new Date(buckets[0]!).toLocaleDateString() : ""}</text>
      ${lines.map(
        (l, n) => html`<path fill="none" stroke=${COLORS[n % COLORS.length]} stroke-width="2" d=${l.values.map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("")} />`,
      )}
    </svg>
    <ul class="plain legend">${lines.map((l, n) => html`<li><span aria-hidden="true" style=${{ color: COLORS[n % COLORS.length] }}>■</span> ${l.key}</li>`)}</ul>
  </figure>`;
}

function fmt(v: number): string {
  return v >= 1000 ? `${(v / 1000).toFixed(1)}k` : Number.isInteger(v) ? String(v) : v.toFixed(1);
}
