/**
 * `aerostack dev` in a `type = "bot"` folder: no code to build; the bot's definition is put on the dev platform for
 * its dev account, with the dev gateway (`/ws/dev`: the folder's [[mcp.proxy]] servers) as its workspace, and the
 * local chat page (worker/bots/dev-chat.ts) talks to it with no chat platform account at all. In workflow mode with
 * `[bot] workflow_path`, that folder's workflow is stored beside it by the same code as in a workflow folder
 * (dev-workflow.ts), and again on each save of its definition.
 */
import { resolve } from "node:path";
import type { ProjectConfig } from "../../shared/config";
import { DEV_WORKSPACE } from "../../shared/gateway";
import { botDefinition } from "../bots/deploy-bot";
import { loadProjectConfig } from "../config/load";
import { UserError } from "../errors";
import type { ControlClient } from "../platform/control-client";

/** The local chat page of the bot `aerostack dev` serves at `url` (the platform's own host). */
export const devChatUrl = (url: string, bot: string) => `${url}/bots/${bot}/`;

/**
 * Puts the folder's bot on the dev platform. Its tools are the dev gateway's whatever `workspace` names: that one
 * lives on a platform dev does not reach. Returns a notice to show once, or null.
 */
export async function pushDevBot(control: ControlClient, config: ProjectConfig): Promise<string | null> {
  if (!config.bot) return null;
  const definition = { ...botDefinition(config.name, config.bot), workspace: DEV_WORKSPACE };
  await control.putBot(config.name, definition);
  const notes: string[] = [];
  if (config.bot.workspace) {
    notes.push(`In aerostack dev the bot's tools are the dev gateway's ([[mcp.proxy]] in aerostack.toml), not workspace "${config.bot.workspace}"; \`aerostack deploy\` uses that one.`);
  }
  if (config.bot.mode === "workflow" && !config.bot.workflow_path) {
    notes.push(
      `Workflow mode runs workflow "${config.bot.workflow ?? ""}" on this dev platform; until a workflow of that name is there, each message answers with an error. Set [bot] workflow_path to the workflow's folder and dev stores it here too (restart aerostack dev).`,
    );
  }
  return notes.length ? notes.join(" ") : null;
}

/**
 * The workflow project a workflow-mode bot names with `workflow_path`, checked to be that workflow (null: none).
 * Read at start: the folder is watched from then on, and changing the path needs a restart.
 */
export async function devBotWorkflow(root: string, config: ProjectConfig): Promise<{ root: string; name: string } | null> {
  const bot = config.bot;
  if (bot?.mode !== "workflow" || !bot.workflow_path) return null;
  const folder = resolve(root, bot.workflow_path);
  const hint = `Point [bot] workflow_path at the folder holding the workflow's aerostack.toml (type = "workflow", name = "${bot.workflow ?? ""}").`;
  let loaded: Awaited<ReturnType<typeof loadProjectConfig>>;
  try {
    loaded = await loadProjectConfig({ cwd: folder });
  } catch (err) {
    throw new UserError(`[bot] workflow_path = "${bot.workflow_path}": ${err instanceof Error ? err.message : String(err)}`, { hint });
  }
  if (loaded.config.type !== "workflow") throw new UserError(`[bot] workflow_path = "${bot.workflow_path}" is a ${loaded.config.type} project, not a workflow.`, { hint });
  if (loaded.config.name !== bot.workflow) {
    throw new UserError(`[bot] workflow_path = "${bot.workflow_path}" holds workflow "${loaded.config.name}", but [bot] workflow is "${bot.workflow ?? ""}".`, { hint: "Give both the same name." });
  }
  return { root: folder, name: loaded.config.name };
}
