/**
 * Telegram: webhooks carry `X-Telegram-Bot-Api-Secret-Token` (the secret_token given to setWebhook; 403 otherwise),
 * `update_id` is the dedupe key, replies go through sendMessage with inline keyboards, and a button press
 * (callback_query) is answered and its keyboard removed with editMessageText.
 */
import { BOT_LIMITS } from "../../../shared/bots";
import { callApi, constantTimeEqual, jsonResponse, parseObject, refuse } from "../crypto";
import type { Adapter, InboundEvent, SendContext } from "../types";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});

const method = (ctx: SendContext, name: string, body: unknown) =>
  callApi(ctx, `Telegram ${name}`, `${ctx.apiBase}/bot${ctx.secrets.TELEGRAM_BOT_TOKEN ?? ""}/${name}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

export const telegram: Adapter = {
  platform: "telegram",
  async verify(request, body, secrets) {
    const expected = secrets.TELEGRAM_WEBHOOK_SECRET;
    const given = request.headers.get("x-telegram-bot-api-secret-token") ?? "";
    if (!expected || !constantTimeEqual(given, expected)) return refuse(403, "the X-Telegram-Bot-Api-Secret-Token header is missing or wrong");
    const update = parseObject(body);
    if (!update || typeof update.update_id !== "number") return refuse(400, "not a Telegram update (no update_id)");
    const id = `tg:${update.update_id}`;
    const events: InboundEvent[] = [];
    const message = obj(update.message ?? update.edited_message);
    const callback = obj(update.callback_query);
    if (typeof message.text === "string" && obj(message.chat).id !== undefined) {
      events.push({ id, chat: String(obj(message.chat).id), user: String(obj(message.from).id ?? "unknown"), text: message.text.slice(0, BOT_LIMITS.maxWebhookBytes), context: {} });
    } else if (typeof callback.data === "string") {
      const origin = obj(callback.message);
      events.push({
        id,
        chat: String(obj(origin.chat).id ?? obj(callback.from).id),
        user: String(obj(callback.from).id ?? "unknown"),
        text: callback.data,
        button: true,
        context: { callbackId: String(callback.id ?? ""), messageId: String(origin.message_id ?? ""), messageText: typeof origin.text === "string" ? origin.text : "" },
      });
    }
    // Updates the bot does not handle (joins, photos) are acknowledged, so Telegram does not redeliver them.
    return { ok: true, response: jsonResponse({ ok: true }), events };
  },
  async send(ctx, message) {
    await method(ctx, "sendMessage", {
      chat_id: ctx.chat,
      text: message.text,
      ...(message.buttons?.length ? { reply_markup: { inline_keyboard: [message.buttons.map((b) => ({ text: b.label, callback_data: b.data.slice(0, 64) }))] } } : {}),
    });
  },
  async post(ctx, text) {
    const answer = await method(ctx, "sendMessage", { chat_id: ctx.chat, text });
    return String(obj(answer.result).message_id ?? "");
  },
  async edit(ctx, ref, text) {
    await method(ctx, "editMessageText", { chat_id: ctx.chat, message_id: Number(ref), text });
  },
  async acknowledgeButton(ctx, result) {
    if (ctx.context.callbackId) await method(ctx, "answerCallbackQuery", { callback_query_id: ctx.context.callbackId, text: result.slice(0, 200) });
    if (ctx.context.messageId) {
      const text = `${ctx.context.messageText ?? ""}\n\n${result}`.trim().slice(0, 4096);
      await method(ctx, "editMessageText", { chat_id: ctx.chat, message_id: Number(ctx.context.messageId), text });
    }
  },
};

/** setWebhook at deploy: Telegram is the one platform whose webhook the platform can register itself. */
export async function registerTelegramWebhook(ctx: Omit<SendContext, "chat" | "context" | "now">, url: string): Promise<void> {
  await callApi(ctx, "Telegram setWebhook", `${ctx.apiBase}/bot${ctx.secrets.TELEGRAM_BOT_TOKEN ?? ""}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url, secret_token: ctx.secrets.TELEGRAM_WEBHOOK_SECRET, allowed_updates: ["message", "callback_query"] }),
  });
}
