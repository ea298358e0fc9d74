/**
 * A Hub install as a workspace member: the publisher's code at the pinned deployment, run in an isolate of the
 * installing workspace's own, whose env secrets are that workspace's values of the names the package declares (never
 * the publisher's) and whose DB, CACHE, STORAGE and VECTORIZE are the install's own tenant (never the publisher's). The gateway reaches it as it reaches a project member; nothing here consults the registry, so a
 * call never waits on the Hub's object.
 */
import type { Member } from "../../shared/gateway";
import { PROJECT_MCP_PATH } from "../../shared/gateway";
import { sha256Hex } from "../../shared/sha256";
import { newRequestId } from "../http/request-id";
import { loadIsolate } from "../isolates/loader";
import { fromIsolate, toIsolate } from "../isolates/mcp-sessions";
import { isErrorReport } from "../isolates/errors";
import { MemberError } from "../gateway/upstream";
import { redactor } from "../gateway/redact";
import type { MemberHost, MemberRuntime } from "../gateway/members";

type HubMember = Extract<Member, { kind: "hub" }>;

export function hubMemberRuntime(member: HubMember, host: MemberHost, secrets: Record<string, string> | undefined): MemberRuntime {
  const values: Record<string, string> = {};
  const missing: string[] = [];
  for (const name of member.secrets) {
    const value = secrets?.[name];
    if (value === undefined) missing.push(name);
    else values[name] = value;
  }
  let isolateId: Promise<string> | undefined;
  // The id names the install and a digest of the values: a new secret value loads a fresh isolate.
  const tenant = member.tenant;
  // The id names the install's own tenant (account, workspace, package) and a digest of the values: a new secret
  // value, or a workspace of the same name made anew by another account, loads a fresh isolate.
  const idOf = () =>
    (isolateId ??= sha256Hex(JSON.stringify(values)).then((digest) => `hub:${member.project}@${member.deployment}~${tenant}~${digest.slice(0, 16)}`));
  const entry = async () => loadIsolate(host.env, host.exports, member.project, member.deployment, 0, { id: await idOf(), secrets: values, tenant: tenant! });
  return {
    redact: redactor(Object.values(values)),
    async fetch(method, headers, body, signal) {
      if (!tenant) {
        throw new MemberError(`was installed before Hub installs had data of their own; run \`aerostack hub update ${member.package} --workspace ${host.composer.workspace}\` to give it its own`);
      }
      if (missing.length > 0) {
        throw new MemberError(`needs secret${missing.length > 1 ? "s" : ""} ${missing.join(", ")}; set ${missing.length > 1 ? "them" : "it"} with \`aerostack secret put ${missing[0]} --workspace ${host.composer.workspace}\``);
      }
      if (signal.aborted) throw signal.reason;
      const url = new URL(`http://${member.slug}.localhost${PROJECT_MCP_PATH}`);
      const request = new Request(url, { method, headers, ...(body !== undefined ? { body } : {}) });
      const key = await idOf();
      const isolate = await entry();
      const result = await isolate.handle(await toIsolate(host.env, request, url, member.project), { requestId: newRequestId() });
      if (isErrorReport(result)) throw new MemberError(`${member.package}@${member.version} failed: ${result.name}: ${result.message.split("\n")[0]?.slice(0, 300) ?? ""}`);
      // A pinned deployment never flips: a held stream always goes back to the same isolate.
      return fromIsolate(host.env, result as Response, member.project, request, () => ({
        key,
        currentKey: async () => key,
        async send(_key, next) {
          const res = await (await entry()).handle(next, { requestId: newRequestId() });
          return res instanceof Response ? res : null;
        },
      }));
    },
  };
}
