/**
 * The local chat page of `aerostack dev` in a bot folder: `GET /bots/<bot>/` on the dev platform's own host is a page
 * to talk to the bot with no chat platform at all, `POST /bots/<bot>/chat` handles a message now (the bot's own
 * mode, the dev gateway's tools, the offline model unless [ai] says otherwise), and `GET /bots/<bot>/chat/<chat>?after=`
 * reads the chat's later messages (a workflow's, sent after the answer). The bot is the one `aerostack dev` put there
 * for the dev account; any other `/bots/…` path is the project's own (null: not ours).
 */
import * as z from "zod/mini";
import type { PlatformEnv } from "../env";
import { BOT_NAME_PATTERN, WebChatBodySchema, type WebChatResult, type WebMessages } from "../../shared/bots";
import { readJsonBody } from "../http/body";
import { HttpError, json } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { BOTS_PREFIX } from "./http";
import { botChat } from "./chat";
import { botRegistry } from "./registry";
import { CHAT_PAGE_CSS, CHAT_PAGE_JS, chatPageHtml } from "./chat-page";

/** Only the page's own script and style; nothing may frame it (its buttons approve things). */
const PAGE_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

const SURFACE: Surface = {
  name: "dev chat",
  error: (err, headers) => err.toResponse({ ...headers, "cache-control": "no-store" }),
  // A page on another site must not make the browser talk to the bot (and through it call the workspace's tools).
  browsers: { exposed: "x-request-id", refusal: "the dev chat answers pages served from loopback only; open the chat page that `aerostack dev` printed" },
};

const CHAT_ID = /^[A-Za-z0-9_-]{1,100}$/;
const MAX_BODY_BYTES = 64 * 1024;

/** The page's chat ids are its own random ones: a safe character set keeps them usable in paths. */
const DevChatBodySchema = z.object({ ...WebChatBodySchema.shape, chat: z.string().check(z.regex(CHAT_ID, "letters, digits, - and _ (1-100)")) });

export async function handleDevBots(request: Request, env: PlatformEnv, account: string): Promise<Response | null> {
  const url = new URL(request.url);
  const [name = "", sub = "", chat, ...rest] = url.pathname.slice(BOTS_PREFIX.length).split("/");
  if (!BOT_NAME_PATTERN.test(name)) return null;
  const meta = await botRegistry(env, name).get(account);
  if (!meta) return null;
  return serveHttp(request, SURFACE, async () => {
    if (rest.length === 0 && chat === undefined && ["", "page.js", "page.css"].includes(sub)) {
      if (request.method !== "GET" && request.method !== "HEAD") throw new HttpError("method_not_allowed", `${url.pathname} takes GET`);
      if (sub === "page.js") return new Response(CHAT_PAGE_JS, { headers: { ...PAGE_HEADERS, "content-type": "text/javascript; charset=utf-8" } });
      if (sub === "page.css") return new Response(CHAT_PAGE_CSS, { headers: { ...PAGE_HEADERS, "content-type": "text/css; charset=utf-8" } });
      return new Response(chatPageHtml(meta.name, meta.definition.mode), { headers: { ...PAGE_HEADERS, "content-type": "text/html; charset=utf-8" } });
    }
    if (sub === "chat" && chat === undefined && rest.length === 0) {
      if (request.method !== "POST") throw new HttpError("method_not_allowed", `${url.pathname} takes POST with {"chat", "text"}`);
      const body = await readJsonBody(request, DevChatBodySchema, MAX_BODY_BYTES);
      const event = { id: `web:${body.id ?? crypto.randomUUID()}`, chat: body.chat, user: body.user, text: body.text, ...(body.button ? { button: true } : {}), context: {} };
      const result: WebChatResult = await botChat(env, account, name, "web", body.chat).converse({ bot: name, account, platform: "web", event });
      return json(result, 200, { "cache-control": "no-store" });
    }
    if (sub === "chat" && chat !== undefined && rest.length === 0) {
      if (request.method !== "GET") throw new HttpError("method_not_allowed", `${url.pathname} takes GET`);
      if (!CHAT_ID.test(chat)) throw new HttpError("bad_query", `chat id ${JSON.stringify(chat.slice(0, 100))} is not valid: letters, digits, - and _ (1-100)`);
      const after = Number(url.searchParams.get("after") ?? "0");
      if (!Number.isSafeInteger(after) || after < 0) throw new HttpError("bad_query", "after must be a whole number ≥ 0 (the cursor of the last answer)");
      const result: WebMessages = await botChat(env, account, name, "web", chat).webMessages(after);
      return json(result, 200, { "cache-control": "no-store" });
    }
    throw new HttpError("not_found", `no dev chat route at ${url.pathname}: the page is ${BOTS_PREFIX}${name}/, messages go to POST ${BOTS_PREFIX}${name}/chat`);
  });
}
