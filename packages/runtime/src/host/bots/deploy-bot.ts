/**
 * `aerostack deploy` in a `type = "bot"` folder: turn aerostack.toml's [bot] table into the bot's definition, check it
 * with the schema the platform applies (shared/bots.ts), and store it as the bot's next version. No code is uploaded.
 */
import { BotDefinitionSchema, type BotDefinition, type DeployBotResult } from "../../shared/bots";
import type { BotConfig } from "../../shared/config";
import type { ApiClient } from "../api/client";
import { loadProjectConfig } from "../config/load";
import { UsageError, UserError } from "../errors";

export interface DeployBotOptions {
  cwd: string;
  configPath?: string;
  dryRun?: boolean;
  env?: string;
  client: () => ApiClient | Promise<ApiClient>;
}

export function botDefinition(name: string, bot: BotConfig): BotDefinition {
  const definition = {
    name,
    workspace: bot.workspace ?? null,
    mode: bot.mode,
    ...(bot.workflow ? { workflow: bot.workflow } : {}),
    systemPrompt: bot.system_prompt,
    ...(bot.model ? { model: bot.model } : {}),
    platforms: [...new Set(bot.platforms)],
    maxIterations: bot.max_iterations,
    memoryTurns: bot.memory_turns,
    rateLimitPerMinute: bot.rate_limit_per_minute,
    apiBase: Object.fromEntries(Object.entries(bot.api_base).filter((e): e is [string, string] => typeof e[1] === "string")),
    ...(bot.approvals ? { approvals: bot.approvals } : {}),
  };
  const checked = BotDefinitionSchema.safeParse(definition);
  if (!checked.success) throw new UserError(`The [bot] table does not make a valid bot: ${checked.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return checked.data;
}

/** The bot project's definition (the folder must be `type = "bot"`). */
export async function projectBot(cwd: string, configPath?: string): Promise<BotDefinition> {
  const { config } = await loadProjectConfig({ cwd, ...(configPath ? { configPath } : {}) });
  if (config.type !== "bot" || !config.bot) throw new UsageError(`Project "${config.name}" is a ${config.type}, not a bot.`, { hint: 'Bot projects have type = "bot" and a [bot] table in aerostack.toml (`aerostack init support --template bot`).' });
  return botDefinition(config.name, config.bot);
}

export async function deployBotProject(options: DeployBotOptions): Promise<DeployBotResult> {
  if (options.env !== undefined) throw new UsageError("--env does not apply to a bot: it has one definition with versions.", { hint: "Deploy a second bot (support-staging) for another environment." });
  const bot = await projectBot(options.cwd, options.configPath);
  const client = await options.client();
  return client.call("deployBot", { params: { bot: bot.name }, body: { bot, dryRun: options.dryRun === true } });
}
