/**
 * The rug-pull guard for proxied members: a server outside the platform can change a tool's description (or schema,
 * or annotations) under us without any version to pin, and a changed description is how a tool gets poisoned. The
 * workspace keeps each proxied tool's fingerprint as first seen (or last accepted); a tool whose definition no longer
 * matches is withheld from tools/list and refused in tools/call until a workspace admin accepts it.
 */
import type { Member } from "../../shared/gateway";
import { sha256Hex } from "../../shared/sha256";
import { canonical } from "../hub/diff";
import type { JsonObject } from "./jsonrpc";

/** What a fingerprint covers: everything a model reads about a tool, as the Hub's update diff compares it. */
const FIELDS = ["title", "description", "inputSchema", "outputSchema", "annotations"] as const;

/** One tool as a member listed it: its fingerprint and the definition it covers (canonical JSON), for review. */
export interface ObservedTool {
  name: string;
  hash: string;
  definition: string;
}

/** Only proxied members are guarded: projects are the account's own code, Hub installs are pinned by version. */
export const isGuarded = (member: Member): boolean => member.kind === "proxy";

export async function fingerprint(tool: JsonObject): Promise<ObservedTool> {
  const name = typeof tool.name === "string" ? tool.name : "";
  const definition = canonical(Object.fromEntries([["name", name], ...FIELDS.filter((f) => tool[f] !== undefined).map((f) => [f, tool[f]])]));
  return { name, hash: (await sha256Hex(definition)).slice(0, 32), definition };
}

/**
 * The tools of a member's list to withhold. Those matching the pinned fingerprints (the workspace's, as this request
 * read them) cost nothing more; any other goes to the workspace's object, which pins a first-seen tool and flags a
 * changed one (logging it), and answers which differ from what was accepted.
 */
export async function withheldTools(
  tools: JsonObject[],
  pins: Record<string, string> | undefined,
  observe: (tools: ObservedTool[]) => Promise<string[]>,
): Promise<Set<string>> {
  const seen = await Promise.all(tools.map(fingerprint));
  const unmatched = seen.filter((t) => pins?.[t.name] !== t.hash);
  if (unmatched.length === 0) return new Set();
  return new Set(await observe(unmatched));
}
