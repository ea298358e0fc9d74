/**
 * Bot webhooks on the platform's own host: `POST /bots/<bot>/<platform>` (and `GET` for WhatsApp's verify-token
 * handshake). The adapter checks the signature with the bot's vault secrets; a forged, stale or malformed delivery
 * is refused, logged, and runs nothing. A verified one is written to its chat's inbox (deduplicated there) and
 * acknowledged at once: the platforms' deadlines (Slack and Discord: 3 s) never wait for the model or a tool.
 */
import type { PlatformEnv } from "../env";
import { BOT_LIMITS, BOT_NAME_PATTERN, BOT_PLATFORMS, type BotPlatform } from "../../shared/bots";
import { DEFAULT_ENV } from "../../shared/api";
import { readBodyText } from "../http/body";
import { HttpError } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { projectStore } from "../projects/project-store";
import { tenantId } from "../projects/tenant";
import { ADAPTERS } from "./adapters/index";
import { botChat } from "./chat";
import { botRegistry, type BotMeta } from "./registry";

export const BOTS_PREFIX = "/bots/";

const SURFACE: Surface = { name: "bot webhooks", error: (err, headers) => err.toResponse({ ...headers, "cache-control": "no-store" }) };

export function isBotPath(pathname: string): boolean {
  return pathname.startsWith(BOTS_PREFIX);
}

/** The webhook URL of a bot's platform, as the deploy prints it. */
export const webhookUrl = (origin: string, bot: string, platform: string) => `${origin}${BOTS_PREFIX}${bot}/${platform}`;

/**
 * The bot and its secrets, cached: a burst of deliveries (a busy group chat, a redelivery storm) is acknowledged
 * without two object calls each. After BOT_CACHE_MS the cached value is still used while one refresh runs beside
 * it: under load that refresh waits behind the chats' work on workerd's one thread (seconds, measured with 100
 * chats at once), and every acknowledgement of the burst used to wait for it. A deploy or `secret put` is seen
 * once that refresh lands; after BOT_CACHE_MAX_MS an entry is not used at all. Only a cache: an isolate without it
 * asks the objects.
 */
const BOT_CACHE_MS = 5_000;
const BOT_CACHE_MAX_MS = 60_000;
type BotAndSecrets = { meta: BotMeta | null; secrets: Record<string, string> };
const BOT_CACHE = new Map<string, { at: number; value: Promise<BotAndSecrets>; refreshing: boolean }>();

function loadBot(env: PlatformEnv, name: string): Promise<BotAndSecrets> {
  return (async () => {
    const meta = await botRegistry(env, name).get();
    if (!meta) return { meta, secrets: {} };
    const tenant = tenantId(meta.account, name, DEFAULT_ENV);
    return { meta, secrets: await projectStore(env, tenant).getSecrets(tenant) };
  })();
}

function botAndSecrets(env: PlatformEnv, name: string, ctx: ExecutionContext): Promise<BotAndSecrets> {
  const cached = BOT_CACHE.get(name);
  const age = cached ? Date.now() - cached.at : Infinity;
  if (cached && age < BOT_CACHE_MS) return cached.value;
  if (cached && age < BOT_CACHE_MAX_MS) {
    if (!cached.refreshing) {
      cached.refreshing = true;
      const next = loadBot(env, name);
      // The new value replaces the old only once it is there; a failed refresh keeps the old one for the next try.
      ctx.waitUntil(
        next.then(
          () => void BOT_CACHE.set(name, { at: Date.now(), value: next, refreshing: false }),
          () => void (cached.refreshing = false),
        ),
      );
    }
    return cached.value;
  }
  const value = loadBot(env, name);
  BOT_CACHE.set(name, { at: Date.now(), value, refreshing: false });
  value.catch(() => BOT_CACHE.delete(name));
  if (BOT_CACHE.size > 1000) BOT_CACHE.delete(BOT_CACHE.keys().next().value!);
  return value;
}

export function handleBots(request: Request, env: PlatformEnv, ctx: ExecutionContext): Promise<Response> {
  return serveHttp(request, SURFACE, async () => {
    const url = new URL(request.url);
    const [name = "", platform = "", ...rest] = url.pathname.slice(BOTS_PREFIX.length).split("/");
    if (!BOT_NAME_PATTERN.test(name) || !(BOT_PLATFORMS as readonly string[]).includes(platform) || rest.length) {
      throw new HttpError("not_found", `no bot webhook at ${url.pathname}: bot webhooks are /bots/<bot>/<${BOT_PLATFORMS.join("|")}>`);
    }
    if (request.method !== "POST" && !(request.method === "GET" && platform === "whatsapp")) throw new HttpError("method_not_allowed", `${url.pathname} takes POST`);
    const registry = botRegistry(env, name);
    const { meta, secrets } = await botAndSecrets(env, name, ctx);
    if (!meta || !(meta.definition.platforms as string[]).includes(platform)) throw new HttpError("not_found", `no bot "${name}" on ${platform} here`);
    const body = request.method === "POST" ? await readBodyText(request, BOT_LIMITS.maxWebhookBytes) : "";
    const verified = await ADAPTERS[platform as BotPlatform].verify(request, body, secrets, Date.now());
    if (!verified.ok) {
      // Logged without the body: a forged request's content is the sender's, not a conversation.
      ctx.waitUntil(
        registry.log({ ts: Date.now(), platform, chat: "", user: "", kind: "refused", text: "", reply: "", toolCalls: [], tokens: { input: 0, output: 0 }, iterations: 0, latencyMs: 0, error: verified.reason }).catch(() => {}),
      );
      return verified.response;
    }
    await Promise.all(verified.events.map((event) => botChat(env, meta.account, name, platform, event.chat).receive({ bot: name, account: meta.account, platform: platform as BotPlatform, event })));
    return verified.response;
  });
}
