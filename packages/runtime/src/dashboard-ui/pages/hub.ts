/** The Hub: search packages by what their tools do, a package's details, install into a workspace, and the tool-by-tool difference an update would make (applied only after it was shown). */
import { useState } from "preact/hooks";
import { html } from "../html";
import { api, get, seg, type Session } from "../api";
import { Loading, Status, useAction, useLoad } from "../ui";
import { go, type Route } from "../router";
import { useWorkspaces } from "./manage";

type PageProps = { route: Route; session: Session };

interface SearchResult {
  name: string;
  version: string;
  kind: string;
  summary: string;
  tools: string[];
  deprecated: string | null;
}
interface VersionInfo {
  name: string;
  version: string;
  kind: string;
  description: string;
  summary: string;
  readme: string;
  deprecated: string | null;
  yanked: boolean;
  manifest: { tools: { name: string; description?: string }[]; secrets: { name: string }[] };
  versions: { version: string; yanked: boolean; deprecated: string | null; publishedAt: string }[];
}
interface ToolChange {
  tool: string;
  change: "added" | "removed" | "changed";
  fields: { field: string; before: unknown; after: unknown }[];
}
interface InstallResult {
  workspace: string;
  member: string;
  name: string;
  version: string;
  previousVersion: string | null;
  needsConfirmation: boolean;
  changes: ToolChange[];
  tools: string[];
}

export function HubPage({ route }: PageProps) {
  const [scope, name] = route.args;
  if (scope && name) return html`<${PackageView} scope=${scope} name=${name} />`;
  return html`<h1 tabindex="-1">Hub</h1><${Search} q=${route.query.get("q") ?? ""} />`;
}

function Search({ q }: { q: string }) {
  const [text, setText] = useState(q);
  const results = useLoad(() => (q ? get<{ results: SearchResult[]; total: number }>("/hub/search", { q, limit: 50 }) : Promise.resolve(undefined)), [q]);
  return html`<form role="search" class="inline" onSubmit=${(e: Event) => {
      e.preventDefault();
      go(`hub?q=${encodeURIComponent(text)}`);
    }}>
      <label for="hub-q">Search packages by what their tools do</label>
      <input id="hub-q" type="search" value=${text} onInput=${(e: Event) => setText((e.target as HTMLInputElement).value)} />
      <button type="submit">Search</button>
    </form>
    ${results.error ? html`<${Status} error=${results.error} />` : null}
    ${results.data
      ? html`<p role="status">${results.data.total} package${results.data.total === 1 ? "" : "s"} found</p>
          <ul class="cards">${results.data.results.map((r) => {
            const [s, n] = r.name.replace(/^@/, "").split("/");
            return html`<li><h2><a href=${`#/hub/${seg(s!)}/${seg(n!)}`}>${r.name}</a> <span class="muted">${r.version}</span></h2><p>${r.summary}</p>
              <p class="muted">${r.tools.join(", ")}</p>${r.deprecated ? html`<p class="error">Deprecated: ${r.deprecated}</p>` : null}</li>`;
          })}</ul>`
      : null}`;
}

function PackageView({ scope, name }: { scope: string; name: string }) {
  const [version, setVersion] = useState<string | undefined>();
  const info = useLoad(() => get<VersionInfo>(`/hub/packages/${seg(scope)}/${seg(name)}`, { version }), [scope, name, version]);
  const workspaces = useWorkspaces();
  const [ws, setWs] = useState("");
  const [as, setAs] = useState("");
  const [diff, setDiff] = useState<InstallResult | null>(null);
  const [status, run] = useAction();
  const base = `/hub/packages/${seg(scope)}/${seg(name)}`;
  const body = () => ({ workspace: ws, ...(as ? { as } : {}), ...(version ? { version } : {}) });
  const install = () => run(`Installed in ${ws}.`, () => api("POST", `${base}/install`, body()));
  // An update first asks without `yes`: the platform answers the tool-by-tool difference and changes nothing.
  const preview = () =>
    run("Difference below: nothing changed yet.", async () => {
      const r = await api<InstallResult>("POST", `${base}/update`, { ...body(), yes: false });
      setDiff(r);
    });
  const apply = () =>
    run(`Updated in ${ws}.`, async () => {
      await api("POST", `${base}/update`, { ...body(), yes: true });
      setDiff(null);
    });
  if (info.error) return html`<h1 tabindex="-1">@${scope}/${name}</h1><${Status} error=${info.error} />`;
  if (!info.data) return html`<h1 tabindex="-1">@${scope}/${name}</h1><${Loading} what="the package" />`;
  const p = info.data;
  return html`<h1 tabindex="-1">${p.name} <span class="muted">${p.version}</span></h1>
    <p><a href="#/hub">Back to search</a></p>
    <p>${p.description || p.summary}</p>
    ${p.deprecated ? html`<p class="error">Deprecated: ${p.deprecated}</p>` : null}
    <label for="hub-ver">Version</label>
    <select id="hub-ver" value=${p.version} onChange=${(e: Event) => setVersion((e.target as HTMLSelectElement).value)}>
      ${p.versions.map((v) => html`<option value=${v.version}>${v.version}${v.yanked ? " (yanked)" : ""}</option>`)}
    </select>
    <h2>Tools</h2>
    <ul>${p.manifest.tools.map((t) => html`<li><code>${t.name}</code>${t.description ? ` — ${t.description}` : ""}</li>`)}</ul>
    ${p.manifest.secrets.length ? html`<p>Needs secrets in the workspace: ${p.manifest.secrets.map((s) => html`<code>${s.name}</code> `)}</p>` : null}
    <section aria-labelledby="inst-h">
      <h2 id="inst-h">Install or update</h2>
      <${Status} ...${status} />
      <label for="inst-ws">Workspace</label>
      <select id="inst-ws" value=${ws} onChange=${(e: Event) => setWs((e.target as HTMLSelectElement).value)}>
        <option value="" disabled>Choose a workspace</option>
        ${(workspaces.data?.workspaces ?? []).map((w) => html`<option value=${w.name}>${w.name}</option>`)}
      </select>
      <label for="inst-as">As member (default: the package's name)</label>
      <input id="inst-as" value=${as} onInput=${(e: Event) => setAs((e.target as HTMLInputElement).value)} />
      <p><button type="button" onClick=${install} disabled=${!ws || status.busy}>Install</button> <button type="button" onClick=${preview} disabled=${!ws || status.busy}>Show the update's difference</button></p>
      ${diff
        ? html`<div class="diff once" role="region" aria-label="Update difference">
            <p>${diff.previousVersion ?? "?"} → ${diff.version}: ${diff.changes.length ? `${diff.changes.length} tool change${diff.changes.length === 1 ? "" : "s"}` : "no tool changes"}</p>
            <ul>${diff.changes.map(
              (c) => html`<li class=${c.change}><strong>${c.change}</strong> <code>${c.tool}</code>
                ${c.fields.length ? html`<ul>${c.fields.map((f) => html`<li>${f.field}: <code>${JSON.stringify(f.before)}</code> → <code>${JSON.stringify(f.after)}</code></li>`)}</ul>` : null}</li>`,
            )}</ul>
            ${diff.needsConfirmation ? html`<button type="button" onClick=${apply} disabled=${status.busy}>Apply the update</button>` : html`<p>Applied (nothing needed confirming).</p>`}
          </div>`
        : null}
    </section>
    ${p.readme ? html`<h2>README</h2><pre tabindex="0">${p.readme}</pre>` : null}`;
}
