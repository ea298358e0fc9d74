/**
 * Slack: every request is signed with the app's signing secret (`v0=` HMAC-SHA256 over `v0:<timestamp>:<raw body>`,
 * refused outside a 5-minute window so a captured request cannot be replayed later); `url_verification` is answered
 * with its challenge; events are acknowledged at once (Slack wants a 2xx within 3 s) and deduplicated by event_id,
 * so a redelivery (`X-Slack-Retry-Num`) runs nothing twice; Block Kit buttons come back as block_actions payloads.
 */
import { BOT_LIMITS } from "../../../shared/bots";
import { callApi, hmacSha256Valid, jsonResponse, parseObject, refuse } from "../crypto";
import { SendError, type Adapter, type InboundEvent, type SendContext } from "../types";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});

export const slack: Adapter = {
  platform: "slack",
  async verify(request, body, secrets, now) {
    const secret = secrets.SLACK_SIGNING_SECRET;
    const timestamp = request.headers.get("x-slack-request-timestamp") ?? "";
    const signature = /^v0=([0-9a-f]{64})$/.exec(request.headers.get("x-slack-signature") ?? "")?.[1];
    if (!secret || !signature || !/^\d{1,12}$/.test(timestamp)) return refuse(401, "the X-Slack-Signature or X-Slack-Request-Timestamp header is missing or malformed");
    if (Math.abs(now / 1000 - Number(timestamp)) > BOT_LIMITS.slackWindowSeconds) return refuse(401, "the request's timestamp is more than 5 minutes from now (a stale or replayed request)");
    if (!(await hmacSha256Valid(secret, `v0:${timestamp}:${body}`, signature))) return refuse(401, "the Slack signature does not match the body");
    const retry = request.headers.get("x-slack-retry-num") !== null;
    const ok = (events: InboundEvent[], response: Response = new Response(null, { status: 200 })) => ({ ok: true as const, response, events, retry });
    // Interactions (button presses) arrive form-encoded with a JSON `payload`.
    if ((request.headers.get("content-type") ?? "").includes("application/x-www-form-urlencoded")) {
      const payload = parseObject(new URLSearchParams(body).get("payload") ?? "");
      if (!payload) return refuse(400, "an interaction without a JSON payload");
      const action = obj((payload.actions as unknown[] | undefined)?.[0]);
      if (payload.type !== "block_actions" || typeof action.value !== "string") return ok([]);
      const chat = String(obj(payload.channel).id ?? obj(payload.container).channel_id ?? "");
      return ok([{ id: `slack:${String(payload.trigger_id ?? action.action_ts)}`, chat, user: String(obj(payload.user).id ?? "unknown"), text: action.value, button: true, context: {} }]);
    }
    const envelope = parseObject(body);
    if (!envelope) return refuse(400, "the body is not JSON");
    if (envelope.type === "url_verification") return ok([], jsonResponse({ challenge: String(envelope.challenge ?? "") }));
    if (envelope.type !== "event_callback") return ok([]);
    const event = obj(envelope.event);
    // The bot's own messages (and edits, joins) come back as events too: answering them would loop.
    const human = (event.type === "message" || event.type === "app_mention") && typeof event.text === "string" && event.bot_id === undefined && event.subtype === undefined;
    if (!human) return ok([]);
    return ok([{ id: `slack:${String(envelope.event_id ?? event.ts)}`, chat: String(event.channel ?? ""), user: String(event.user ?? "unknown"), text: String(event.text).replace(/^<@[A-Z0-9]+>\s*/, ""), context: {} }]);
  },
  async send(ctx, message) {
    const blocks = message.buttons?.length
      ? [
          { type: "section", text: { type: "mrkdwn", text: message.text } },
          { type: "actions", elements: message.buttons.map((b, i) => ({ type: "button", action_id: `b${i}`, text: { type: "plain_text", text: b.label.slice(0, 75) }, value: b.data, ...(i === 0 ? { style: "primary" } : {}) })) },
        ]
      : undefined;
    await slackMethod(ctx, "chat.postMessage", { channel: ctx.chat, text: message.text, ...(blocks ? { blocks } : {}) });
  },
  async post(ctx, text) {
    const answer = await slackMethod(ctx, "chat.postMessage", { channel: ctx.chat, text });
    return String(answer.ts ?? "");
  },
  async edit(ctx, ref, text) {
    await slackMethod(ctx, "chat.update", { channel: ctx.chat, ts: ref, text });
  },
};

async function slackMethod(ctx: SendContext, name: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await callApi(ctx, `Slack ${name}`, `${ctx.apiBase}/${name}`, {
    method: "POST",
    headers: { "content-type": "application/json; charset=utf-8", authorization: `Bearer ${ctx.secrets.SLACK_BOT_TOKEN ?? ""}` },
    body: JSON.stringify(body),
  });
  // Slack answers 200 with ok: false for its own errors (not_in_channel, invalid_auth).
  if (answer.ok === false) throw new SendError(`Slack ${name} refused the message: ${String(answer.error ?? "unknown error")}`, false);
  return answer;
}
