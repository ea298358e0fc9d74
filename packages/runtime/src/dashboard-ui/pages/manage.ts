/** Pages that manage things: projects and deployments (rollback), workspaces (members, tool switches, client entries), tokens, secrets. */
import { useState } from "preact/hooks";
import { html } from "../html";
import { api, get, seg, type Session } from "../api";
import { Loading, Status, useAction, useLoad, when } from "../ui";
import { go, type Route } from "../router";

interface Env {
  env: string;
  activeVersion: string | null;
  url: string;
  updatedAt: string;
}
interface Project {
  name: string;
  createdAt: string;
  envs: Env[];
}
interface Deployment {
  version: string;
  createdAt: string;
  message: string | null;
  by: string | null;
  active: boolean;
}
export interface WorkspaceMember {
  slug: string;
  kind: string;
  target: string;
  enabled: boolean;
  disabledTools: string[];
}
/** GET /workspaces/:ws/tools: a member's own tools/list, asked now. */
interface MemberTools {
  member: string;
  enabled: boolean;
  tools: { name: string; description: string; enabled: boolean; listed: boolean }[];
  error: string | null;
}
export interface Workspace {
  name: string;
  account: string;
  url: string;
  createdAt: string;
  settings: { rateLimitPerMinute: number; logArguments: boolean; logRetentionDays: number };
  members: WorkspaceMember[];
}
interface TokenInfo {
  id: string;
  name: string;
  role: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface KeyInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
interface SecretInfo {
  name: string;
  updatedAt: string;
}

type PageProps = { route: Route; session: Session };

const value = (e: Event) => (e.target as HTMLInputElement).value;

// ── projects ─────────────────────────────────────────────────────────────────────────────────────────────────

export function ProjectsPage({ route }: PageProps) {
  const projects = useLoad(() => get<{ projects: Project[] }>("/projects"), []);
  const selected = route.args[0];
  return html`<h1 tabindex="-1">Projects</h1>
    ${projects.error ? html`<${Status} error=${projects.error} />` : null}
    ${projects.data === undefined
      ? html`<${Loading} what="projects" />`
      : projects.data.projects.length === 0
        ? html`<p>No projects yet: <code>aerostack deploy</code> in a project folder creates one.</p>`
        : html`<ul class="cards">
            ${projects.data.projects.map(
              (p) => html`<li>
                <h2><a href=${`#/projects/${seg(p.name)}`}>${p.name}</a></h2>
                <ul class="plain">
                  ${p.envs.map((e) => html`<li>${e.env}: <code>${e.activeVersion ?? "nothing active"}</code> · <a href=${e.url}>${e.url}</a></li>`)}
                </ul>
              </li>`,
            )}
          </ul>`}
    ${selected ? html`<${Deployments} project=${selected} envs=${projects.data?.projects.find((p) => p.name === selected)?.envs ?? []} />` : null}`;
}

function Deployments({ project, envs }: { project: string; envs: Env[] }) {
  const [env, setEnv] = useState("production");
  const list = useLoad(() => get<{ deployments: Deployment[] }>(`/projects/${seg(project)}/deployments`, { env }), [project, env]);
  const [status, run] = useAction();
  const rollback = async (version: string) => {
    if (!confirm(`Make ${version} the active version of ${project} (${env})?`)) return;
    if (await run(`${project} (${env}) now serves ${version}.`, () => api("POST", `/projects/${seg(project)}/rollback`, { version }, { env }))) list.reload();
  };
  return html`<section aria-labelledby="deployments-h">
    <h2 id="deployments-h">Deployments of ${project}</h2>
    <label for="env-select">Environment</label>
    <select id="env-select" value=${env} onChange=${(e: Event) => setEnv(value(e))}>
      ${(envs.length ? envs.map((e) => e.env) : ["production"]).map((e) => html`<option value=${e}>${e}</option>`)}
    </select>
    <${Status} ...${status} />
    ${list.error ? html`<${Status} error=${list.error} />` : null}
    ${list.data
      ? html`<table>
          <caption>Stored versions, newest first</caption>
          <thead><tr><th scope="col">Version</th><th scope="col">Deployed</th><th scope="col">By</th><th scope="col">Message</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${list.data.deployments.map(
              (d) => html`<tr>
                <td><code>${d.version}</code>${d.active ? html` <span class="badge">active</span>` : null}</td>
                <td>${when(d.createdAt)}</td>
                <td>${d.by ?? "—"}</td>
                <td>${d.message ?? ""}</td>
                <td>${d.active ? null : html`<button type="button" onClick=${() => rollback(d.version)} disabled=${status.busy} aria-label=${`Roll back to ${d.version}`}>Roll back to this</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : html`<${Loading} what="deployments" />`}
  </section>`;
}

// ── workspaces ───────────────────────────────────────────────────────────────────────────────────────────────

export function useWorkspaces() {
  return useLoad(() => get<{ workspaces: Workspace[] }>("/workspaces"), []);
}

/** A workspace picker that keeps the choice in the URL (`#/tokens/<workspace>`), so a page can be linked. */
export function WorkspacePicker({ page, selected, workspaces }: { page: string; selected: string | undefined; workspaces: Workspace[] }) {
  return html`<p>
    <label for="ws-pick">Workspace</label>
    <select id="ws-pick" value=${selected ?? ""} onChange=${(e: Event) => go(`${page}/${seg(value(e))}`)}>
      <option value="" disabled>Choose a workspace</option>
      ${workspaces.map((w) => html`<option value=${w.name}>${w.name}</option>`)}
    </select>
  </p>`;
}

export function WorkspacesPage({ route }: PageProps) {
  const list = useWorkspaces();
  const [name, setName] = useState("");
  const [status, run] = useAction();
  const slug = route.args[0];
  const create = async (e: Event) => {
    e.preventDefault();
    if (await run(`Workspace ${name} created.`, () => api("POST", "/workspaces", { name }))) {
      list.reload();
      go(`workspaces/${seg(name)}`);
      setName("");
    }
  };
  if (slug) return html`<${WorkspaceDetail} slug=${slug} />`;
  return html`<h1 tabindex="-1">Workspaces</h1>
    ${list.error ? html`<${Status} error=${list.error} />` : null}
    ${list.data === undefined
      ? html`<${Loading} what="workspaces" />`
      : list.data.workspaces.length === 0
        ? html`<p>No workspaces yet.</p>`
        : html`<ul class="cards">
            ${list.data.workspaces.map(
              (w) => html`<li>
                <h2><a href=${`#/workspaces/${seg(w.name)}`}>${w.name}</a></h2>
                <p>${w.members.length} member${w.members.length === 1 ? "" : "s"} · <code>${w.url}</code></p>
              </li>`,
            )}
          </ul>`}
    <form onSubmit=${create} class="inline">
      <h2>New workspace</h2>
      <label for="ws-name">Name (lowercase letters, digits, dashes)</label>
      <input id="ws-name" required pattern="[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?" value=${name} onInput=${(e: Event) => setName(value(e))} />
      <button type="submit" disabled=${status.busy}>Create workspace</button>
    </form>
    <${Status} ...${status} />`;
}

function WorkspaceDetail({ slug }: { slug: string }) {
  const ws = useLoad(() => get<Workspace>(`/workspaces/${seg(slug)}`), [slug]);
  // Each member's own tools/list, asked now (every tool gets its switch, called yet or not).
  const listed = useLoad(() => get<{ members: MemberTools[] }>(`/workspaces/${seg(slug)}/tools`), [slug]);
  const [status, run] = useAction();
  const [member, setMember] = useState({ slug: "", url: "", allowPrivate: false });
  const add = async (e: Event) => {
    e.preventDefault();
    if (await run(`Member ${member.slug} added.`, () => api("PUT", `/workspaces/${seg(slug)}/members/${seg(member.slug)}`, { member: { kind: "proxy", slug: member.slug, url: member.url, ...(member.allowPrivate ? { allowPrivate: true } : {}) } }))) {
      setMember({ slug: "", url: "", allowPrivate: false });
      ws.reload();
      listed.reload();
    }
  };
  const setState = async (m: WorkspaceMember, patch: { enabled?: boolean; disabledTools?: string[] }, label: string) => {
    if (await run(label, () => api("PUT", `/workspaces/${seg(slug)}/members/${seg(m.slug)}/state`, patch))) ws.reload();
  };
  const remove = async (m: WorkspaceMember) => {
    if (!confirm(`Remove ${m.slug} from ${slug}? Clients stop seeing its tools.`)) return;
    if (await run(`Member ${m.slug} removed.`, () => api("DELETE", `/workspaces/${seg(slug)}/members/${seg(m.slug)}`))) {
      ws.reload();
      listed.reload();
    }
  };
  if (ws.error) return html`<h1 tabindex="-1">Workspace ${slug}</h1><${Status} error=${ws.error} />`;
  if (!ws.data) return html`<h1 tabindex="-1">Workspace ${slug}</h1><${Loading} what="the workspace" />`;
  const w = ws.data;
  const listOf = (m: WorkspaceMember) => listed.data?.members.find((x) => x.member === m.slug);
  // Names from the member's list (and any switched off by name); the switch's state from the workspace as stored.
  const toolsOf = (m: WorkspaceMember) => [...new Set([...(listOf(m)?.tools.map((t) => t.name) ?? []), ...m.disabledTools])].sort();
  const describe = (m: WorkspaceMember, tool: string) => listOf(m)?.tools.find((t) => t.name === tool)?.description ?? "";
  return html`<h1 tabindex="-1">Workspace ${w.name}</h1>
    <p><a href="#/workspaces">All workspaces</a> · <a href=${`#/tokens/${seg(w.name)}`}>Tokens</a> · <a href=${`#/secrets/${seg(w.name)}`}>Secrets</a> · <a href=${`#/logs/${seg(w.name)}`}>Call log</a> · <a href=${`#/analytics/${seg(w.name)}`}>Analytics</a></p>
    <${Status} ...${status} />
    <section aria-labelledby="gw-h">
      <h2 id="gw-h">Gateway</h2>
      <p>MCP clients connect to <code data-testid="gateway-url">${w.url}</code> with a member token (<a href=${`#/tokens/${seg(w.name)}`}>create one</a>).</p>
      <${ClientEntries} name=${w.name} url=${w.url} token=${undefined} />
    </section>
    <section aria-labelledby="members-h">
      <h2 id="members-h">Members</h2>
      ${w.members.length === 0 ? html`<p>No members yet.</p>` : null}
      <ul class="cards">
        ${w.members.map(
          (m) => html`<li>
            <h3>${m.slug} <span class="muted">${m.kind} · ${m.target}</span></h3>
            <label class="switch"><input type="checkbox" role="switch" checked=${m.enabled}
              onChange=${(e: Event) => setState(m, { enabled: (e.target as HTMLInputElement).checked }, `${m.slug} ${(e.target as HTMLInputElement).checked ? "on" : "off"}.`)} />
              Member ${m.slug} enabled</label>
            <fieldset>
              <legend>Tools of ${m.slug}</legend>
              ${listed.data === undefined && !listed.error ? html`<p class="muted" role="status">Listing the tools of ${m.slug}…</p>` : null}
              ${listed.error ? html`<p class="error">Could not list tools: ${listed.error}</p>` : null}
              ${listOf(m)?.error ? html`<p class="error" data-testid=${`tools-error-${m.slug}`}>${m.slug} could not be asked for its tools: ${listOf(m)!.error}</p>` : null}
              ${listed.data !== undefined && toolsOf(m).length === 0 && !listOf(m)?.error ? html`<p class="muted">${m.slug} lists no tools.</p>` : null}
              ${toolsOf(m).map((t) => {
                const on = !m.disabledTools.includes(t);
                const next = on ? [...m.disabledTools, t] : m.disabledTools.filter((x) => x !== t);
                const about = describe(m, t);
                return html`<label class="switch" title=${about || undefined}><input type="checkbox" role="switch" checked=${on}
                  onChange=${() => setState(m, { disabledTools: next }, `${m.slug}__${t} ${on ? "off" : "on"}.`)} /> ${t}</label>`;
              })}
              <${ToolOff} member=${m} onOff=${(t: string) => setState(m, { disabledTools: [...new Set([...m.disabledTools, t])] }, `${m.slug}__${t} off.`)} />
            </fieldset>
            <button type="button" class="danger" onClick=${() => remove(m)}>Remove ${m.slug}</button>
          </li>`,
        )}
      </ul>
      <form onSubmit=${add} class="inline">
        <h3>Add a proxied MCP server</h3>
        <label for="m-slug">Member name (prefix of its tools)</label>
        <input id="m-slug" required pattern="[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?" value=${member.slug} onInput=${(e: Event) => setMember({ ...member, slug: value(e) })} />
        <label for="m-url">MCP server URL</label>
        <input id="m-url" type="url" required value=${member.url} onInput=${(e: Event) => setMember({ ...member, url: value(e) })} />
        <label class="switch"><input type="checkbox" checked=${member.allowPrivate} onChange=${(e: Event) => setMember({ ...member, allowPrivate: (e.target as HTMLInputElement).checked })} />
          The server is on this machine or a private network</label>
        <button type="submit" disabled=${status.busy}>Add member</button>
        <p class="muted">Deployed projects and Hub packages are added with <code>aerostack workspace add</code> or from the <a href="#/hub">Hub</a>.</p>
      </form>
    </section>`;
}

function ToolOff({ member, onOff }: { member: WorkspaceMember; onOff: (tool: string) => void }) {
  const [tool, setTool] = useState("");
  const id = `off-${member.slug}`;
  return html`<form class="inline small" onSubmit=${(e: Event) => {
      e.preventDefault();
      if (tool) onOff(tool);
      setTool("");
    }}>
    <label for=${id}>Switch off a tool by name</label>
    <input id=${id} value=${tool} onInput=${(e: Event) => setTool(value(e))} />
    <button type="submit">Switch off</button>
  </form>`;
}

/** Ready-to-paste client configuration; the token is filled in only right after it was created (shown once). */
export function ClientEntries({ name, url, token }: { name: string; url: string; token: string | undefined }) {
  const bearer = token ?? "<member token>";
  const mcp = JSON.stringify({ mcpServers: { [name]: { url, headers: { Authorization: `Bearer ${bearer}` } } } }, null, 2);
  const cli = `aerostack workspace connect ${name}`;
  return html`<details>
    <summary>Client entries (Cursor, Claude, VS Code)</summary>
    <p>For clients that read <code>mcpServers</code> JSON:</p>
    <pre tabindex="0" aria-label="mcpServers entry"><code>${mcp}</code></pre>
    <p>For stdio-only clients, the CLI bridges: <code>${cli}</code></p>
  </details>`;
}

// ── tokens ───────────────────────────────────────────────────────────────────────────────────────────────────

export function TokensPage({ route }: PageProps) {
  const workspaces = useWorkspaces();
  const slug = route.args[0];
  return html`<h1 tabindex="-1">Tokens</h1>
    ${workspaces.data ? html`<${WorkspacePicker} page="tokens" selected=${slug} workspaces=${workspaces.data.workspaces} />` : html`<${Loading} what="workspaces" />`}
    ${slug ? html`<${MemberTokens} slug=${slug} url=${workspaces.data?.workspaces.find((w) => w.name === slug)?.url ?? ""} />` : null}
    <${AccountKeys} />`;
}

function MemberTokens({ slug, url }: { slug: string; url: string }) {
  const list = useLoad(() => get<{ tokens: TokenInfo[] }>(`/workspaces/${seg(slug)}/tokens`), [slug]);
  const [form, setForm] = useState({ name: "", role: "developer" });
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [status, run] = useAction();
  const create = async (e: Event) => {
    e.preventDefault();
    let out: { token: string } | undefined;
    if (await run(`Token ${form.name} created: copy it now, it is not shown again.`, async () => (out = await api<{ token: string }>("POST", `/workspaces/${seg(slug)}/tokens`, form)))) {
      setCreated({ token: out!.token, name: form.name });
      setForm({ name: "", role: form.role });
      list.reload();
    }
  };
  const revoke = async (t: TokenInfo) => {
    if (!confirm(`Revoke ${t.name}? Clients using it are refused from their next request.`)) return;
    if (await run(`Token ${t.name} revoked.`, () => api("DELETE", `/workspaces/${seg(slug)}/tokens/${seg(t.id)}`))) list.reload();
  };
  return html`<section aria-labelledby="mt-h">
    <h2 id="mt-h">Member tokens of ${slug}</h2>
    <${Status} ...${status} />
    ${created
      ? html`<div class="once" role="region" aria-label="Token created">
          <p><strong>${created.name}</strong>: copy this token now; the platform keeps only its hash and never shows it again.</p>
          <label for="new-token">New token</label>
          <input id="new-token" readonly value=${created.token} onFocus=${(e: Event) => (e.target as HTMLInputElement).select()} />
          <${ClientEntries} name=${slug} url=${url} token=${created.token} />
          <button type="button" onClick=${() => setCreated(null)}>I have copied it</button>
        </div>`
      : null}
    <form onSubmit=${create} class="inline">
      <label for="t-name">Token name</label>
      <input id="t-name" required maxlength="64" value=${form.name} onInput=${(e: Event) => setForm({ ...form, name: value(e) })} />
      <label for="t-role">Role</label>
      <select id="t-role" value=${form.role} onChange=${(e: Event) => setForm({ ...form, role: value(e) })}>
        <option value="developer">developer</option>
        <option value="read-only">read-only</option>
        <option value="admin">admin</option>
      </select>
      <button type="submit" disabled=${status.busy}>Create token</button>
    </form>
    ${list.error ? html`<${Status} error=${list.error} />` : null}
    ${list.data
      ? html`<table>
          <caption>Tokens (the tokens themselves are never stored)</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${list.data.tokens.map(
              (t) => html`<tr data-token=${t.name}>
                <td>${t.name}</td><td>${t.role}</td><td>${when(t.createdAt)}</td><td>${when(t.lastUsedAt)}</td>
                <td>${t.revokedAt ? html`<span class="badge off">revoked ${when(t.revokedAt)}</span>` : html`<span class="badge">active</span>`}</td>
                <td>${t.revokedAt ? null : html`<button type="button" class="danger" onClick=${() => revoke(t)} aria-label=${`Revoke ${t.name}`}>Revoke</button>`}</td>
              </tr>`,
            )}
          </tbody>
        </table>`
      : html`<${Loading} what="tokens" />`}
  </section>`;
}

function AccountKeys() {
  const list = useLoad(() => get<{ keys: KeyInfo[] }>("/keys"), []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<string | null>(null);
  const [status, run] = useAction();
  const create = async (e: Event) => {
    e.preventDefault();
    let out: { token: string } | undefined;
    if (await run(`Key ${name} created: copy it now.`, async () => (out = await api<{ token: string }>("POST", "/keys", { name })))) {
      setCreated(out!.token);
      setName("");
      list.reload();
    }
  };
  const revoke = async (k: KeyInfo) => {
    if (!confirm(`Revoke the key ${k.name}? Sessions opened with it end too.`)) return;
    if (await run(`Key ${k.name} revoked.`, () => api("DELETE", `/keys/${seg(k.id)}`))) list.reload();
  };
  return html`<section aria-labelledby="ak-h">
    <h2 id="ak-h">Account keys</h2>
    <${Status} ...${status} />
    ${created
      ? html`<div class="once" role="region" aria-label="Key created"><label for="new-key">New key (shown once)</label><input id="new-key" readonly value=${created} />
          <button type="button" onClick=${() => setCreated(null)}>I have copied it</button></div>`
      : null}
    <form onSubmit=${create} class="inline">
      <label for="k-name">Key name</label>
      <input id="k-name" required maxlength="64" value=${name} onInput=${(e: Event) => setName(value(e))} />
      <button type="submit" disabled=${status.busy}>Create key</button>
    </form>
    ${list.data
      ? html`<table>
          <caption>Keys of this account</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col">State</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${list.data.keys.map(
              (k) => html`<tr><td>${k.name}</td><td>${when(k.createdAt)}</td><td>${when(k.lastUsedAt)}</td>
                <td>${k.revokedAt ? html`<span class="badge off">revoked</span>` : html`<span class="badge">active</span>`}</td>
                <td>${k.revokedAt ? null : html`<button type="button" class="danger" onClick=${() => revoke(k)} aria-label=${`Revoke key ${k.name}`}>Revoke</button>`}</td></tr>`,
            )}
          </tbody>
        </table>`
      : html`<${Loading} what="keys" />`}
  </section>`;
}

// ── secrets ──────────────────────────────────────────────────────────────────────────────────────────────────

export function SecretsPage({ route }: PageProps) {
  const workspaces = useWorkspaces();
  const projects = useLoad(() => get<{ projects: Project[] }>("/projects"), []);
  const target = route.args[0];
  const isProject = route.query.get("project") === "1";
  return html`<h1 tabindex="-1">Secrets</h1>
    <p>Values are write-only: the platform shows names and dates, never a value.</p>
    <p>
      <label for="sec-pick">Secrets of</label>
      <select id="sec-pick" value=${target ? `${isProject ? "p" : "w"}:${target}` : ""} onChange=${(e: Event) => {
        const v = value(e);
        go(`secrets/${seg(v.slice(2))}${v.startsWith("p:") ? "?project=1" : ""}`);
      }}>
        <option value="" disabled>Choose a workspace or project</option>
        <optgroup label="Workspaces">${(workspaces.data?.workspaces ?? []).map((w) => html`<option value=${`w:${w.name}`}>${w.name}</option>`)}</optgroup>
        <optgroup label="Projects (production)">${(projects.data?.projects ?? []).map((p) => html`<option value=${`p:${p.name}`}>${p.name}</option>`)}</optgroup>
      </select>
    </p>
    ${target ? html`<${SecretList} base=${isProject ? `/projects/${seg(target)}` : `/workspaces/${seg(target)}`} label=${target} />` : null}`;
}

function SecretList({ base, label }: { base: string; label: string }) {
  const list = useLoad(() => get<{ secrets: SecretInfo[] }>(`${base}/secrets`), [base]);
  const [form, setForm] = useState({ name: "", value: "" });
  const [status, run] = useAction();
  const put = async (e: Event) => {
    e.preventDefault();
    const name = form.name;
    if (await run(`Secret ${name} saved.`, () => api("PUT", `${base}/secrets/${seg(name)}`, { value: form.value }))) {
      // The value leaves the page as soon as it is sent.
      setForm({ name: "", value: "" });
      list.reload();
    }
  };
  const del = async (name: string) => {
    if (!confirm(`Delete the secret ${name}?`)) return;
    if (await run(`Secret ${name} deleted.`, () => api("DELETE", `${base}/secrets/${seg(name)}`))) list.reload();
  };
  return html`<section aria-labelledby="sec-h">
    <h2 id="sec-h">Secrets of ${label}</h2>
    <${Status} ...${status} />
    <form onSubmit=${put} class="inline" autocomplete="off">
      <label for="s-name">Name</label>
      <input id="s-name" required pattern="[A-Za-z_][A-Za-z0-9_]*" value=${form.name} onInput=${(e: Event) => setForm({ ...form, name: value(e) })} />
      <label for="s-value">Value</label>
      <input id="s-value" type="password" autocomplete="new-password" required value=${form.value} onInput=${(e: Event) => setForm({ ...form, value: value(e) })} />
      <button type="submit" disabled=${status.busy}>Save secret</button>
    </form>
    ${list.error ? html`<${Status} error=${list.error} />` : null}
    ${list.data
      ? html`<table>
          <caption>Secret names and when they were set</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Updated</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>
            ${list.data.secrets.map(
              (s) => html`<tr><td><code>${s.name}</code></td><td>${when(s.updatedAt)}</td>
                <td><button type="button" class="danger" onClick=${() => del(s.name)} aria-label=${`Delete secret ${s.name}`}>Delete</button></td></tr>`,
            )}
          </tbody>
        </table>`
      : html`<${Loading} what="secrets" />`}
  </section>`;
}
