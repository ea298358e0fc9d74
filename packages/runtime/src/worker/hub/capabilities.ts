/**
 * The capability manifest made at publish: the deployed code itself is asked, over MCP, for its tools (every page),
 * resources and prompts, exactly as the gateway will later ask it, so the manifest is what installers will get.
 */
import type { PlatformEnv } from "../env";
import { memberRuntime } from "../gateway/members";
import { Upstream } from "../gateway/upstream";
import { LATEST_PROTOCOL_VERSION } from "../gateway/methods";
import type { CapabilityManifest, ManifestTool, RequiredSecret } from "../../shared/hub";

const DISCOVERY_TIMEOUT_MS = 15_000;
const MAX_PAGES = 20;

type JsonObject = Record<string, unknown>;
const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === "object" && !Array.isArray(v);

export async function captureManifest(env: PlatformEnv, exports: unknown, waitUntil: (p: Promise<unknown>) => void, tenant: string, secrets: RequiredSecret[]): Promise<CapabilityManifest> {
  const runtime = memberRuntime({ kind: "project", slug: "publish", project: tenant }, { env, exports, waitUntil, composer: { workspace: "hub", depth: 1, role: "admin" } }, undefined);
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

/** The summary shown in search: the package's description, else its tools' descriptions, cut to a paragraph. */
export function summarize(description: string, manifest: CapabilityManifest): string {
  const text = description.trim() || manifest.tools.map((t) => `${t.name}: ${t.description}`.trim()).join(" · ");
  return text.length > 400 ? `${text.slice(0, 399)}…` : text;
}
