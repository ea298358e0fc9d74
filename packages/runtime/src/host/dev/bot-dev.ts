/**
 * `aerostack dev` in a `type = "bot"` folder: no code to build; the bot's definition is put on the dev platform for
 * its dev account, with the dev gateway (`/ws/dev`: the folder's [[mcp.proxy]] servers) as its workspace, and the
 * local chat page (worker/bots/dev-chat.ts) talks to it with no chat platform account at all.
 */
import type { ProjectConfig } from "../../shared/config";
import { DEV_WORKSPACE } from "../../shared/gateway";
import { botDefinition } from "../bots/deploy-bot";
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
  if (config.bot.mode === "workflow") {
    notes.push(`Workflow mode runs workflow "${config.bot.workflow ?? ""}" on this dev platform; until a workflow of that name is there, each message answers with an error.`);
  }
  return notes.length ? notes.join(" ") : null;
}
