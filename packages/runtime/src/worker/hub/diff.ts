/**
 * The rug-pull guard's comparison: tool by tool, what an update changes in name, title, description, schemas and
 * annotations. A changed description is how a tool gets poisoned, so any difference at all is shown and needs --yes.
 */
import type { ManifestTool, ToolChange } from "../../shared/hub";

/** JSON with object keys sorted, so the same schema written in another key order is not a change. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  ) ?? "undefined";
}

const FIELDS = ["title", "description", "inputSchema", "outputSchema", "annotations"] as const;

export function diffTools(before: readonly ManifestTool[], after: readonly ManifestTool[]): ToolChange[] {
  const old = new Map(before.map((t) => [t.name, t]));
  const next = new Map(after.map((t) => [t.name, t]));
  const changes: ToolChange[] = [];
  for (const [name, tool] of old) {
    const now = next.get(name);
    if (!now) {
      changes.push({ tool: name, change: "removed", fields: [] });
      continue;
    }
    const fields = FIELDS.filter((f) => canonical(tool[f]) !== canonical(now[f])).map((field) => ({ field, before: tool[field], after: now[field] }));
    if (fields.length > 0) changes.push({ tool: name, change: "changed", fields });
  }
  for (const [name, tool] of next) {
    if (!old.has(name)) changes.push({ tool: name, change: "added", fields: FIELDS.filter((f) => tool[f] !== undefined).map((field) => ({ field, before: undefined, after: tool[field] })) });
  }
  return changes.sort((a, b) => a.tool.localeCompare(b.tool));
}
