/**
 * A workspace's members' own tool lists, asked of each member now (initialize, then tools/list page by page, as the
 * gateway does) with each tool's switch: what the dashboard's per-tool switches and `aerostack workspace show --tools`
 * show. Every member is asked, switched off or not, and a tool switched off is listed too (its `enabled` is false);
 * a member that cannot be reached is reported with its (redacted) reason, never failing the others.
 */
import type { PlatformEnv } from "../env";
import { memberRuntime, workspaceSecrets } from "../gateway/members";
import { Upstream, MemberError, UpstreamRpcError } from "../gateway/upstream";
import { LATEST_PROTOCOL_VERSION } from "../gateway/methods";
import { NO_REDACTION } from "../gateway/redact";
import { workspaceObject, type MemberRow } from "./workspace";
import type { MemberTools, MemberToolInfo } from "../../shared/workspaces";

/** A member's discovery budget when its config names none (the gateway's default member timeout). */
const DEFAULT_TIMEOUT_MS = 10_000;
const MAX_PAGES = 100;

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

export interface ListHost {
  env: PlatformEnv;
  exports: unknown;
  waitUntil(promise: Promise<unknown>): void;
}

/** Every member's tools (or only `only`'s), in the workspace's member order. Null when the workspace has no data. */
export async function listMemberTools(host: ListHost, workspace: string, only?: string): Promise<MemberTools[] | null> {
  const info = await workspaceObject(host.env, workspace).info();
  if (!info) return null;
  const rows = info.members.filter((r) => only === undefined || r.member.slug === only);
  if (rows.length === 0) return [];
  const secrets = await workspaceSecrets(host.env, workspace, info.rev);
  return Promise.all(rows.map((row) => memberTools(host, workspace, row, secrets)));
}

async function memberTools(host: ListHost, workspace: string, row: MemberRow, secrets: Record<string, string>): Promise<MemberTools> {
  const { member } = row;
  const base = { member: member.slug, kind: member.kind, enabled: row.enabled };
  const timeoutMs = member.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const runtime = memberRuntime(member, { ...host, composer: { workspace, depth: 1, role: "admin" } }, secrets);
  const upstream = new Upstream({ slug: member.slug, fetch: runtime.fetch, protocolVersion: LATEST_PROTOCOL_VERSION, redact: runtime.redact });
  const budget = { signal: AbortSignal.timeout(timeoutMs), timeoutMs };
  const listed: JsonObject[] = [];
  let error: string | null = null;
  try {
    await upstream.ensureReady(budget);
    if (isObject(upstream.capabilities.tools)) {
      const seen = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await upstream.request("tools/list", cursor === undefined ? undefined : { cursor }, budget);
        if (!isObject(result)) throw new MemberError("answered tools/list without a result object");
        if (Array.isArray(result.tools)) listed.push(...result.tools.filter((t): t is JsonObject => isObject(t) && typeof t.name === "string"));
        const next = result.nextCursor;
        if (typeof next !== "string" || next === "" || seen.has(next)) break;
        seen.add(next);
        cursor = next;
      }
    }
  } catch (err) {
    const why = err instanceof UpstreamRpcError ? `error ${err.code}: ${err.message}` : err instanceof MemberError ? err.message : "the platform failed to ask this member";
    error = (runtime.redact ?? NO_REDACTION).text(why);
  } finally {
    await upstream.close().catch(() => {});
  }
  const off = new Set(row.disabledTools);
  const tools: MemberToolInfo[] = listed.map((t) => {
    const annotations = isObject(t.annotations) ? t.annotations : {};
    return {
      name: String(t.name),
      ...(typeof t.title === "string" ? { title: t.title } : {}),
      description: typeof t.description === "string" ? t.description : "",
      readOnly: annotations.readOnlyHint === true,
      destructive: annotations.destructiveHint === true,
      enabled: !off.has(String(t.name)),
      listed: true,
    };
  });
  // Switched off by name but not (or no longer) listed by the member: still shown, so the switch can be turned back.
  const names = new Set(tools.map((t) => t.name));
  for (const name of row.disabledTools) if (!names.has(name)) tools.push({ name, description: "", readOnly: false, destructive: false, enabled: false, listed: false });
  return { ...base, tools, error };
}
