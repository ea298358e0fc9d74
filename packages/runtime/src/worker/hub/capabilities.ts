/**
 * The capability manifest made at publish (and refreshed hourly, hub/registry.ts): the deployed code itself is asked,
 * over MCP, for its tools (every page), resources and prompts, exactly as the gateway will later ask it, so the
 * manifest is what installers will get; and the summary search shows, from env.AI when the project configures a
 * model, else from the descriptions.
 */
import type { PlatformEnv } from "../env";
import { memberRuntime } from "../gateway/members";
import { hubMemberRuntime } from "./member";
import type { BindingExports } from "../isolates/loader";
import type { AiRpc } from "../../shared/wire/ai";
import type { DeploymentSettings } from "../../shared/protocol";
import { Upstream } from "../gateway/upstream";
import { LATEST_PROTOCOL_VERSION } from "../gateway/methods";
import type { CapabilityManifest, ManifestTool, RequiredSecret } from "../../shared/hub";

const DISCOVERY_TIMEOUT_MS = 15_000;
const MAX_PAGES = 20;

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * At publish the project's active deployment is asked; a refresh asks the version's own deployment (`pinned`), as an
 * install runs it but with no secrets (listing needs none) and the publisher's own data.
 */
export async function captureManifest(
  env: PlatformEnv,
  exports: unknown,
  waitUntil: (p: Promise<unknown>) => void,
  tenant: string,
  secrets: RequiredSecret[],
  pinned?: { package: string; version: string; deployment: string },
): Promise<CapabilityManifest> {
  const host = { env, exports, waitUntil, composer: { workspace: "hub", depth: 1, role: "admin" as const } };
  const runtime = pinned
    ? hubMemberRuntime({ kind: "hub", slug: "publish", ...pinned, project: tenant, secrets: [], tenant }, host, undefined)
    : memberRuntime({ kind: "project", slug: "publish", project: tenant }, host, undefined);
  const upstream = new Upstream({ slug: "publish", fetch: runtime.fetch, protocolVersion: LATEST_PROTOCOL_VERSION });
  const budget = { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), timeoutMs: DISCOVERY_TIMEOUT_MS };
  try {
    await upstream.ensureReady(budget);
    const list = async (method: string, key: string): Promise<JsonObject[]> => {
      if (!isObject(upstream.capabilities[key])) return [];
      const items: JsonObject[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const result = await upstream.request(method, cursor ? { cursor } : undefined, budget);
        if (!isObject(result)) break;
        const got = result[key];
        if (Array.isArray(got)) items.push(...got.filter(isObject));
        cursor = typeof result.nextCursor === "string" ? result.nextCursor : undefined;
        if (!cursor) break;
      }
      return items;
    };
    const tools = await list("tools/list", "tools");
    const resources = await list("resources/list", "resources");
    const prompts = await list("prompts/list", "prompts");
    return {
      tools: tools.map(
        (t): ManifestTool => ({
          name: String(t.name),
          ...(typeof t.title === "string" ? { title: t.title } : {}),
          description: typeof t.description === "string" ? t.description : "",
          inputSchema: t.inputSchema ?? { type: "object" },
          ...(t.outputSchema !== undefined ? { outputSchema: t.outputSchema } : {}),
          ...(t.annotations !== undefined ? { annotations: t.annotations } : {}),
        }),
      ),
      resources: resources.map((r) => ({ uri: String(r.uri), name: String(r.name ?? r.uri), ...(typeof r.description === "string" ? { description: r.description } : {}) })),
      prompts: prompts.map((p) => ({ name: String(p.name), ...(typeof p.description === "string" ? { description: p.description } : {}) })),
      secrets,
    };
  } finally {
    await upstream.close();
  }
}

const MAX_SUMMARY = 400;
const cut = (text: string) => (text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY - 1)}…` : text);

/** The summary shown in search without a model: the package's description, else its tools' descriptions. */
export function summarize(description: string, manifest: CapabilityManifest): string {
  return cut(description.trim() || manifest.tools.map((t) => `${t.name}: ${t.description}`.trim()).join(" · "));
}

const SUMMARY_SYSTEM = "You write the one-line summary a registry of MCP servers shows in search results. Say what the server lets an assistant do, plainly, without marketing.";

/**
 * The summary from env.AI when the publisher's deployment configures a model (an `[ai]` table; the offline provider
 * unless it names another, with the project's own keys), else from the descriptions. A failed or empty answer falls
 * back to the descriptions: a summary never fails a publish.
 */
export async function packageSummary(
  exports: unknown,
  tenant: string,
  settings: Pick<DeploymentSettings, "ai"> | null,
  description: string,
  manifest: CapabilityManifest,
): Promise<string> {
  const fallback = summarize(description, manifest);
  if (!settings?.ai) return fallback;
  const about = [description.trim(), ...manifest.tools.map((t) => `${t.name}: ${t.description}`.trim())].filter(Boolean).join("\n");
  try {
    const ai = (exports as BindingExports).ScopedAI({ props: { project: tenant } }) as unknown as AiRpc;
    const { text } = await ai.chat({
      messages: [
        { role: "system", content: SUMMARY_SYSTEM },
        { role: "user", content: `Summarize in one or two sentences what this server's tools do: ${about}` },
      ],
      maxTokens: 120,
    });
    const answer = text.trim().replace(/^summary:\s*/i, "");
    return answer ? cut(answer) : fallback;
  } catch (err) {
    console.warn(`hub: summary from env.AI failed, using the descriptions: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`);
    return fallback;
  }
}
