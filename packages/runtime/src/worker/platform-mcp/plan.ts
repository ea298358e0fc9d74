/**
 * `plan`: a description of what to build → a blueprint (projects with their templates, the workspace and its
 * members, workflows, and the steps in tool calls). The model (env.AI, scoped to the caller's account; the offline
 * `local` provider unless the platform configures another) is asked for the blueprint as JSON; when its answer is
 * not one — the offline provider never writes JSON — the blueprint comes from rules on the description's words, and
 * the model's text is kept as notes. The plan is advice: nothing is created until the agent calls the other tools.
 */
import type { AiRpc, ChatResult } from "../../shared/wire/ai";
import type { Blueprint } from "../../shared/api";

const SYSTEM = `You plan projects on Aerostack. Answer with JSON only: {"summary": string, "projects": [{"name": slug, "template": "mcp-server"|"function"|"skill"|"workflow", "purpose": string}], "workspace": {"name": slug, "members": [project names]} | null, "workflows": [{"name": slug, "trigger": "webhook"|"cron"|"bot"|"agent", "purpose": string}], "steps": [string]}.`;

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "") || "app";

const STOP = new Set(["a", "an", "the", "that", "which", "with", "for", "and", "to", "of", "my", "our", "build", "make", "create", "server", "mcp", "tool", "tools", "me", "please", "i", "we", "want", "need", "it", "in", "on", "is"]);

/** The project's name: the description's first two content words ("an MCP server that tracks notes" → notes-…). */
function nameFrom(description: string): string {
  const words = description.toLowerCase().match(/[a-z0-9]+/g) ?? [];
  return slug(words.filter((w) => !STOP.has(w)).slice(0, 2).join("-"));
}

export function ruleBlueprint(description: string): Blueprint {
  const text = description.toLowerCase();
  const name = nameFrom(description);
  const template = /\bskill\b/.test(text) ? "skill" : /\b(function|endpoint|api|webhook handler)\b/.test(text) && !/\bmcp\b|\btools?\b/.test(text) ? "function" : "mcp-server";
  const projects = [{ name, template, purpose: description.trim().slice(0, 200) }];
  const wantsWorkspace = template !== "function" || /\b(team|workspace|agents?|cursor|claude)\b/.test(text);
  const workspace = wantsWorkspace ? { name: slug(`${name}-team`), members: [name] } : null;
  const workflows = /\b(workflow|every|daily|hourly|schedule|cron|when)\b/.test(text)
    ? [{ name: slug(`${name}-flow`), trigger: /\b(every|daily|hourly|schedule|cron)\b/.test(text) ? "cron" : "webhook", purpose: `runs ${name} on its trigger` }]
    : [];
  const steps = [
    `scaffold {"template":"${template}","name":"${name}"}`,
    `deploy {"project":"${name}", "code": <bundled module>}`,
    ...(workspace ? [`create {"workspace":"${workspace.name}","members":[{"slug":"${name}","project":"${name}"}]}`] : []),
    ...(template === "mcp-server" ? [`publish {"project":"${name}","version":"1.0.0"}`] : []),
  ];
  return { summary: `${template} "${name}"${workspace ? ` in workspace "${workspace.name}"` : ""}${workflows.length ? ` with workflow "${workflows[0]!.name}"` : ""}`, projects, workspace, workflows, steps };
}

/** The model's blueprint when it wrote one that holds together; null otherwise. */
function parsed(result: ChatResult): Blueprint | null {
  const match = /\{[\s\S]*\}/.exec(result.text);
  if (!match) return null;
  try {
    const raw = JSON.parse(match[0]) as Partial<Blueprint>;
    if (!Array.isArray(raw.projects) || raw.projects.length === 0 || !raw.projects.every((p) => typeof p?.name === "string" && typeof p.template === "string")) return null;
    return {
      summary: String(raw.summary ?? ""),
      projects: raw.projects.map((p) => ({ name: slug(p.name), template: p.template, purpose: String(p.purpose ?? "") })),
      workspace: raw.workspace && typeof raw.workspace.name === "string" ? { name: slug(raw.workspace.name), members: (raw.workspace.members ?? []).map(String) } : null,
      workflows: Array.isArray(raw.workflows) ? raw.workflows.map((w) => ({ name: slug(String(w.name)), trigger: String(w.trigger), purpose: String(w.purpose ?? "") })) : [],
      steps: Array.isArray(raw.steps) ? raw.steps.map(String) : [],
    };
  } catch {
    return null;
  }
}

export async function plan(ai: AiRpc, description: string): Promise<Blueprint & { model: string }> {
  const result = await ai.chat({ messages: [{ role: "system", content: SYSTEM }, { role: "user", content: description }], maxTokens: 1500 });
  const fromModel = parsed(result);
  if (fromModel) return { ...fromModel, model: result.model };
  return { ...ruleBlueprint(description), notes: result.text.slice(0, 1000), model: result.model };
}
