/**
 * Bots: the definition a deploy stores (from aerostack.toml's [bot] table), the API bodies of bots and their
 * conversation logs, the secret names each chat platform's adapter reads from the vault, and the platforms' limits.
 * The CLI checks a definition with these schemas before a deploy, and the platform checks it again on receipt.
 */
// zod/mini: the platform worker bundles these schemas, and workerd parses that bundle at every start.
import * as z from "zod/mini";

export const BOT_PLATFORMS = ["telegram", "slack", "discord", "whatsapp"] as const;
export type BotPlatform = (typeof BOT_PLATFORMS)[number];
/** Bot names are slugs: they appear in `/bots/<name>/<platform>`. */
export const BOT_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

export const BOT_LIMITS = {
  maxIterations: 50,
  defaultIterations: 10,
  /** Turns of a chat's memory kept word for word; older ones are folded into its summary. */
  defaultMemoryTurns: 20,
  defaultRateLimitPerMinute: 20,
  maxSystemPromptChars: 20_000,
  /** Largest webhook body a bot reads. */
  maxWebhookBytes: 256 * 1024,
  /** Slack's replay window for a signed request (its documented 5 minutes). */
  slackWindowSeconds: 5 * 60,
  /** WhatsApp: free-form messages only within this long of the user's last message; templates after. */
  whatsappWindowMs: 24 * 60 * 60 * 1000,
} as const;

/** Each platform's longest message; longer answers are split at these (on a line or word boundary where there is one). */
export const MESSAGE_LIMITS: Record<BotPlatform | "web", number> = { telegram: 4096, slack: 3000, discord: 2000, whatsapp: 4096, web: 100_000 };

/** Where each platform's API lives; `[bot.api_base]` overrides it (tests point it at a loopback fixture). */
export const DEFAULT_API_BASE: Record<BotPlatform, string> = {
  telegram: "https://api.telegram.org",
  slack: "https://slack.com/api",
  discord: "https://discord.com/api/v10",
  whatsapp: "https://graph.facebook.com/v21.0",
};

/**
 * The secrets (set with `aerostack secret put` in the bot's folder, sealed in the vault) each adapter reads: `verify`
 * checks signatures, `send` calls the platform's API. Never in aerostack.toml, never in a log or a response.
 */
export const BOT_SECRETS: Record<BotPlatform, { verify: readonly string[]; send: readonly string[] }> = {
  telegram: { verify: ["TELEGRAM_WEBHOOK_SECRET"], send: ["TELEGRAM_BOT_TOKEN"] },
  slack: { verify: ["SLACK_SIGNING_SECRET"], send: ["SLACK_BOT_TOKEN"] },
  discord: { verify: ["DISCORD_PUBLIC_KEY"], send: [] },
  whatsapp: { verify: ["WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"], send: ["WHATSAPP_ACCESS_TOKEN"] },
};

const platform = z.enum(BOT_PLATFORMS);
const slug = z.string().check(z.regex(BOT_NAME_PATTERN, "a lowercase slug such as \"support\""));
const httpUrl = z.string().check(z.refine((v) => /^https?:\/\/[^\s/]+/.test(v), "an http(s) URL"));

export const BotDefinitionSchema = z.object({
  name: slug,
  /** The workspace whose tools the agent loop calls (through the gateway, secrets injected there). */
  workspace: z.nullable(slug),
  mode: z.enum(["agent", "workflow"]),
  /** Workflow mode: the deployed workflow each new conversation starts (its run's trigger is `message_received`). */
  workflow: z.optional(slug),
  systemPrompt: z.string().check(z.maxLength(BOT_LIMITS.maxSystemPromptChars)),
  model: z.optional(z.string().check(z.minLength(1))),
  platforms: z.array(platform).check(z.minLength(1)),
  maxIterations: z.int().check(z.minimum(1), z.maximum(BOT_LIMITS.maxIterations)),
  memoryTurns: z.int().check(z.minimum(2), z.maximum(200)),
  rateLimitPerMinute: z.int().check(z.minimum(1), z.maximum(10_000)),
  apiBase: z.record(z.string(), httpUrl),
  /** Where a workflow's human_handoff asks for approval (buttons); default: the conversation's own chat. */
  approvals: z.optional(z.object({ platform, chat: z.string().check(z.minLength(1), z.maxLength(200)) })),
});
export type BotDefinition = z.output<typeof BotDefinitionSchema>;

export const DeployBotBodySchema = z.object({ bot: BotDefinitionSchema, dryRun: z._default(z.boolean(), false) });
export type DeployBotBody = z.input<typeof DeployBotBodySchema>;

export const BotInfoSchema = z.object({
  name: z.string(),
  account: z.string(),
  workspace: z.nullable(z.string()),
  mode: z.string(),
  workflow: z.nullable(z.string()),
  platforms: z.array(z.string()),
  version: z.number(),
  updatedAt: z.number(),
  /** The webhook URL of each platform, to paste into its console (Telegram's is registered by the deploy). */
  webhooks: z.record(z.string(), z.string()),
  /** Secret names each platform still needs (names only). */
  missingSecrets: z.array(z.string()),
});
export type BotInfo = z.output<typeof BotInfoSchema>;

export const DeployBotResultSchema = z.object({
  bot: BotInfoSchema,
  unchanged: z.boolean(),
  dryRun: z.boolean(),
  /** What the deploy did about each platform's webhook ("registered with Telegram", "paste … into …"). */
  setup: z.array(z.object({ platform: z.string(), action: z.string() })),
});
export type DeployBotResult = z.output<typeof DeployBotResultSchema>;

/** One message handled: the turn, the tool calls, tokens and latency (`aerostack bot logs`). */
export const BotLogEntrySchema = z.object({
  id: z.number(),
  ts: z.number(),
  platform: z.string(),
  chat: z.string(),
  user: z.string(),
  /** "message", "button", "duplicate", "rate_limited", "refused" (a forged or stale webhook), "error". */
  kind: z.string(),
  text: z.string(),
  reply: z.string(),
  toolCalls: z.array(z.object({ name: z.string(), ok: z.boolean(), ms: z.number() })),
  tokens: z.object({ input: z.number(), output: z.number() }),
  iterations: z.number(),
  latencyMs: z.number(),
  run: z.optional(z.string()),
  error: z.optional(z.string()),
});
export type BotLogEntry = z.output<typeof BotLogEntrySchema>;
export const BotLogsSchema = z.object({ entries: z.array(BotLogEntrySchema), cursor: z.number() });
export type BotLogs = z.output<typeof BotLogsSchema>;

/** A message from the local chat page (`aerostack dev`) or the API: no chat platform in between. */
export const WebChatBodySchema = z.object({
  chat: z.string().check(z.minLength(1), z.maxLength(100)),
  text: z.string().check(z.minLength(1), z.maxLength(8000)),
  user: z._default(z.string().check(z.minLength(1), z.maxLength(100)), "web"),
  /** A button's data instead of text (the page's buttons). */
  button: z.optional(z.boolean()),
  /** The client's id for this message: the same id again is answered with the first answer, not handled twice. */
  id: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,100}$/, "letters, digits, - and _ (1-100)"))),
});
const WebReplySchema = z.object({ id: z.number(), text: z.string(), buttons: z.array(z.object({ label: z.string(), data: z.string() })) });
/** The message's replies (with their ids in the chat's web outbox), the tools it called, and why it failed if it did. */
export const WebChatResultSchema = z.object({
  replies: z.array(WebReplySchema),
  /** Read later messages (a workflow's, sent after this answer) from here: `GET …/chat/<chat>/messages?after=<cursor>`. */
  cursor: z.number(),
  toolCalls: z.array(z.object({ name: z.string(), ok: z.boolean(), ms: z.number() })),
  errors: z.array(z.string()),
});
export type WebChatResult = z.output<typeof WebChatResultSchema>;
export const WebMessagesSchema = z.object({ replies: z.array(WebReplySchema), cursor: z.number() });
export type WebMessages = z.output<typeof WebMessagesSchema>;

/** The control API's `POST /__aerostack/bot-chats/clock`: moves one chat's clock forward (tests; no real waiting). */
export const BotChatClockSchema = z.object({
  account: z.string().check(z.minLength(1)),
  bot: slug,
  platform: z.enum([...BOT_PLATFORMS, "web"]),
  chat: z.string().check(z.minLength(1), z.maxLength(200)),
  advanceMs: z.int().check(z.gte(1), z.lte(366 * 24 * 60 * 60 * 1000)),
});
