/**
 * WhatsApp Cloud API: the `hub.challenge` handshake (GET, answered only with the right verify token), webhooks signed
 * with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the app secret), message-id dedupe, status callbacks
 * (sent, delivered, read) recognised and not answered, reply buttons, and the 24-hour rule: free-form messages only
 * within 24 hours of the user's last message (chat.ts refuses a send outside it with a clear error).
 */
import { BOT_LIMITS } from "../../../shared/bots";
import { callApi, constantTimeEqual, hmacSha256Valid, jsonResponse, parseObject, refuse } from "../crypto";
import type { Adapter, InboundEvent } from "../types";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);

export const whatsapp: Adapter = {
  platform: "whatsapp",
  async verify(request, body, secrets) {
    if (request.method === "GET") {
      const url = new URL(request.url);
      const token = secrets.WHATSAPP_VERIFY_TOKEN;
      if (url.searchParams.get("hub.mode") !== "subscribe" || !token || !constantTimeEqual(url.searchParams.get("hub.verify_token") ?? "", token)) {
        return refuse(403, "the hub.verify_token does not match the bot's WHATSAPP_VERIFY_TOKEN");
      }
      return { ok: true, response: new Response(url.searchParams.get("hub.challenge") ?? "", { headers: { "content-type": "text/plain" } }), events: [] };
    }
    const signature = /^sha256=([0-9a-f]{64})$/.exec(request.headers.get("x-hub-signature-256") ?? "")?.[1];
    const secret = secrets.WHATSAPP_APP_SECRET;
    if (!secret || !signature || !(await hmacSha256Valid(secret, body, signature))) return refuse(401, "the X-Hub-Signature-256 header is missing or does not match the body");
    const payload = parseObject(body);
    if (!payload) return refuse(400, "the body is not JSON");
    const events: InboundEvent[] = [];
    for (const entry of list(payload.entry)) {
      for (const change of list(entry.changes)) {
        const value = obj(change.value);
        const phoneNumberId = String(obj(value.metadata).phone_number_id ?? "");
        // value.statuses (sent, delivered, read) are recognised and need no answer.
        for (const message of list(value.messages)) {
          const base = { id: `wa:${String(message.id)}`, chat: String(message.from ?? ""), user: String(message.from ?? ""), context: { phoneNumberId } };
          if (message.type === "text") events.push({ ...base, text: String(obj(message.text).body ?? "").slice(0, BOT_LIMITS.maxWebhookBytes) });
          else if (message.type === "interactive") {
            const reply = obj(obj(message.interactive).button_reply);
            if (typeof reply.id === "string") events.push({ ...base, text: reply.id, button: true });
          } else if (message.type === "button") events.push({ ...base, text: String(obj(message.button).payload ?? obj(message.button).text ?? ""), button: true });
        }
      }
    }
    return { ok: true, response: jsonResponse({ ok: true }), events };
  },
  async send(ctx, message) {
    const buttons = message.buttons?.slice(0, 3) ?? [];
    const body = buttons.length
      ? { messaging_product: "whatsapp", to: ctx.chat, type: "interactive", interactive: { type: "button", body: { text: message.text.slice(0, 1024) }, action: { buttons: buttons.map((b) => ({ type: "reply", reply: { id: b.data.slice(0, 256), title: b.label.slice(0, 20) } })) } } }
      : { messaging_product: "whatsapp", to: ctx.chat, type: "text", text: { body: message.text } };
    await callApi(ctx, "WhatsApp messages", `${ctx.apiBase}/${ctx.context.phoneNumberId ?? ""}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ctx.secrets.WHATSAPP_ACCESS_TOKEN ?? ""}` },
      body: JSON.stringify(body),
    });
  },
};
