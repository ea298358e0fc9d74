/** Bots: deploy a definition (checked again here; Telegram's webhook registered when its secrets are set), read it, its conversation log, and the local chat page's messages. */
import type * as z from "zod/mini";
import { DEFAULT_ENV } from "../../../shared/api";
import { BOT_NAME_PATTERN, BOT_SECRETS, DEFAULT_API_BASE, type BotInfo, type BotPlatform, type DeployBotBodySchema, type DeployBotResult, type WebChatBodySchema } from "../../../shared/bots";
import { directory } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { projectStore } from "../../projects/project-store";
import { tenantId } from "../../projects/tenant";
import { egressFor } from "../../egress/outbound";
import { workflowRegistry } from "../../workflows/registry/workflow-registry";
import { botRegistry, type BotMeta } from "../../bots/registry";
import { botChat } from "../../bots/chat";
import { webhookUrl } from "../../bots/http";
import { registerTelegramWebhook } from "../../bots/adapters/telegram";
import { callerOf, type ApiContext } from "../context";
import { intQuery } from "../params";

function botName(c: ApiContext): string {
  const name = c.params.bot ?? "";
  if (!BOT_NAME_PATTERN.test(name)) throw new HttpError("bad_name", `bot name ${JSON.stringify(name.slice(0, 64))} is not valid: use a lowercase slug such as "support"`);
  return name;
}

const notFound = (c: ApiContext, name: string) => new HttpError("bot_not_found", `no bot "${name}" in account "${callerOf(c).account}"; deploy it with \`aerostack deploy\` in its folder`);

async function describe(c: ApiContext, meta: BotMeta): Promise<BotInfo> {
  const tenant = tenantId(meta.account, meta.name, DEFAULT_ENV);
  const have = new Set((await projectStore(c.env, tenant).listSecrets()).map((s) => s.name));
  const needed = meta.definition.platforms.flatMap((p) => [...BOT_SECRETS[p].verify, ...BOT_SECRETS[p].send]);
  return {
    name: meta.name,
    account: meta.account,
    workspace: meta.definition.workspace,
    mode: meta.definition.mode,
    workflow: meta.definition.workflow ?? null,
    platforms: meta.definition.platforms,
    version: meta.version,
    updatedAt: meta.updatedAt,
    webhooks: Object.fromEntries(meta.definition.platforms.map((p) => [p, webhookUrl(c.url.origin, meta.name, p)])),
    missingSecrets: [...new Set(needed)].filter((n) => !have.has(n)),
  };
}

const PASTE: Record<BotPlatform, string> = {
  telegram: "",
  slack: "paste it as the Request URL under Event Subscriptions and under Interactivity & Shortcuts",
  discord: "paste it as the Interactions Endpoint URL of the application",
  whatsapp: "paste it as the Callback URL of the app's WhatsApp webhook, with WHATSAPP_VERIFY_TOKEN as its verify token",
};

export async function deployBot(c: ApiContext<z.output<typeof DeployBotBodySchema>>): Promise<DeployBotResult> {
  const name = botName(c);
  const account = callerOf(c).account;
  const definition = c.body.bot;
  if (definition.name !== name) throw new HttpError("invalid_bot", `the definition is named "${definition.name}" but is deployed as "${name}"; make them match`);
  for (const key of Object.keys(definition.apiBase)) {
    if (!(key in DEFAULT_API_BASE)) throw new HttpError("invalid_bot", `api_base.${key}: not a chat platform (${Object.keys(DEFAULT_API_BASE).join(", ")})`);
  }
  if (definition.mode === "workflow") {
    if (!definition.workflow) throw new HttpError("invalid_bot", "mode \"workflow\" needs workflow = \"<name>\": the deployed workflow each conversation starts");
    if (!(await workflowRegistry(c.env, definition.workflow).get(account))) {
      throw new HttpError("workflow_not_found", `no workflow "${definition.workflow}" in account "${account}" for the bot; deploy it first with \`aerostack deploy\` in its folder`);
    }
  }
  if (definition.approvals && !definition.platforms.includes(definition.approvals.platform)) {
    throw new HttpError("invalid_bot", `approvals.platform "${definition.approvals.platform}" is not one of the bot's platforms (${definition.platforms.join(", ")})`);
  }
  if (definition.workspace !== null && (await directory(c.env).workspaceOwner(definition.workspace)) !== account) {
    throw new HttpError("workspace_not_found", `no workspace "${definition.workspace}" in account "${account}" for the bot's tools; create it with \`aerostack workspace create ${definition.workspace}\``);
  }
  const result = await botRegistry(c.env, name).deploy(account, definition, c.body.dryRun);
  if (!result.ok) throw new HttpError("forbidden", result.message);
  const bot = await describe(c, result.meta);
  const setup: { platform: string; action: string }[] = [];
  for (const platform of definition.platforms) {
    const url = bot.webhooks[platform]!;
    const missing = [...BOT_SECRETS[platform].verify, ...BOT_SECRETS[platform].send].filter((n) => bot.missingSecrets.includes(n));
    if (missing.length) {
      setup.push({ platform, action: `set ${missing.join(" and ")} with \`aerostack secret put\`, then deploy again; webhook URL ${url}` });
    } else if (platform === "telegram") {
      if (c.body.dryRun) setup.push({ platform, action: `would register ${url} with Telegram` });
      else {
        const tenant = tenantId(account, name, DEFAULT_ENV);
        const egress = egressFor(c.env, c.ctx.exports, tenant);
        try {
          await registerTelegramWebhook({ secrets: await projectStore(c.env, tenant).getSecrets(tenant), apiBase: (definition.apiBase.telegram ?? DEFAULT_API_BASE.telegram).replace(/\/$/, ""), fetch: (u, i) => egress.fetch(u, i) }, url);
          setup.push({ platform, action: `registered ${url} with Telegram (setWebhook)` });
        } catch (err) {
          setup.push({ platform, action: `could not register the webhook with Telegram (${err instanceof Error ? err.message : String(err)}); its URL is ${url}` });
        }
      }
    } else setup.push({ platform, action: `${url}: ${PASTE[platform]}` });
  }
  return { bot, unchanged: result.unchanged, dryRun: c.body.dryRun, setup };
}

export async function getBot(c: ApiContext): Promise<BotInfo> {
  const name = botName(c);
  const meta = await botRegistry(c.env, name).get(callerOf(c).account);
  if (!meta) throw notFound(c, name);
  return describe(c, meta);
}

export async function botLogs(c: ApiContext) {
  const name = botName(c);
  const logs = await botRegistry(c.env, name).logs(callerOf(c).account, intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER) ?? 0, intQuery(c, "limit", 1, 1000) ?? 100);
  if (!logs) throw notFound(c, name);
  return logs;
}

/** The local chat page (and `aerostack bot simulate --platform web`): a message handled now, its replies in the answer. */
export async function botChatMessage(c: ApiContext<z.output<typeof WebChatBodySchema>>) {
  const name = botName(c);
  const account = callerOf(c).account;
  if (!(await botRegistry(c.env, name).get(account))) throw notFound(c, name);
  const event = { id: `web:${c.body.id ?? crypto.randomUUID()}`, chat: c.body.chat, user: c.body.user, text: c.body.text, ...(c.body.button ? { button: true } : {}), context: {} };
  return botChat(c.env, account, name, "web", c.body.chat).converse({ bot: name, account, platform: "web", event });
}

/** The local chat page's later messages of one chat (a workflow's, after the answer): `?after=<cursor>`. */
export async function botChatMessages(c: ApiContext) {
  const name = botName(c);
  const account = callerOf(c).account;
  if (!(await botRegistry(c.env, name).get(account))) throw notFound(c, name);
  const chat = c.params.chat ?? "";
  if (chat.length < 1 || chat.length > 100) throw new HttpError("bad_query", "the chat id must be 1-100 characters");
  return botChat(c.env, account, name, "web", chat).webMessages(intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER) ?? 0);
}
