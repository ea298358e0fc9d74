/**
 * Discord interactions: each request is signed with Ed25519 over `<X-Signature-Timestamp><raw body>` (verified with
 * WebCrypto against the application's public key; Discord probes with a bad signature and expects a 401), PING is
 * answered with PONG, a command or button press with a deferred response at once (the 3 s deadline), and the answer
 * follows through the interaction's token (valid 15 minutes; later messages go to the channel with the bot token).
 */
import { BOT_LIMITS } from "../../../shared/bots";
import { callApi, ed25519Valid, jsonResponse, parseObject, refuse } from "../crypto";
import type { Adapter, SendContext } from "../types";

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === "object" ? (v as Json) : {});
/** Interaction tokens last 15 minutes; a follow-up later than this goes to the channel instead. */
const TOKEN_LIFETIME_MS = 14 * 60 * 1000;

/** Whether the interaction's token still answers (its 15 minutes, with a minute's margin). */
const fresh = (ctx: SendContext) => Boolean(ctx.context.token) && ctx.now - Number(ctx.context.at ?? 0) < TOKEN_LIFETIME_MS;

/** A slash command's text: its options' values, in order (`/ask question: refund order 42`). */
function commandText(data: Json): string {
  const values = ((data.options as Json[] | undefined) ?? []).map((o) => (o.value === undefined ? "" : String(o.value)));
  return values.join(" ").trim() || String(data.name ?? "");
}

export const discord: Adapter = {
  platform: "discord",
  async verify(request, body, secrets, now) {
    const signature = request.headers.get("x-signature-ed25519") ?? "";
    const timestamp = request.headers.get("x-signature-timestamp") ?? "";
    const key = secrets.DISCORD_PUBLIC_KEY ?? "";
    if (!timestamp || !(await ed25519Valid(key, timestamp + body, signature))) return refuse(401, "invalid request signature");
    const interaction = parseObject(body);
    if (!interaction) return refuse(400, "the body is not JSON");
    if (interaction.type === 1) return { ok: true, response: jsonResponse({ type: 1 }), events: [] };
    const user = String(obj(obj(interaction.member).user).id ?? obj(interaction.user).id ?? "unknown");
    const context = { applicationId: String(interaction.application_id ?? ""), token: String(interaction.token ?? ""), at: String(now) };
    const base = { id: `discord:${String(interaction.id)}`, chat: String(interaction.channel_id ?? obj(interaction.channel).id ?? user), user, context };
    if (interaction.type === 2) {
      // 5: DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE ("thinking…" until the follow-up arrives).
      return { ok: true, response: jsonResponse({ type: 5 }), events: [{ ...base, text: commandText(obj(interaction.data)).slice(0, BOT_LIMITS.maxWebhookBytes) }] };
    }
    if (interaction.type === 3) {
      // 6: DEFERRED_UPDATE_MESSAGE (the button's message stays; the answer is a follow-up).
      return { ok: true, response: jsonResponse({ type: 6 }), events: [{ ...base, text: String(obj(interaction.data).custom_id ?? ""), button: true }] };
    }
    return { ok: true, response: jsonResponse({ type: 5 }), events: [] };
  },
  async post(ctx, text) {
    // ?wait=true: Discord answers with the message, whose id the edits name.
    const body = JSON.stringify({ content: text });
    if (fresh(ctx)) {
      const message = await callApi(ctx, "Discord follow-up", `${ctx.apiBase}/webhooks/${ctx.context.applicationId}/${ctx.context.token}?wait=true`, { method: "POST", headers: { "content-type": "application/json" }, body });
      return `webhook:${String(message.id ?? "")}`;
    }
    const message = await callApi(ctx, "Discord create message", `${ctx.apiBase}/channels/${ctx.chat}/messages`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bot ${ctx.secrets.DISCORD_BOT_TOKEN ?? ""}` }, body });
    return `channel:${String(message.id ?? "")}`;
  },
  async edit(ctx, ref, text) {
    const [kind, id] = ref.split(":") as [string, string];
    const body = JSON.stringify({ content: text });
    // A follow-up is edited through the interaction token while it lasts; after that (or a channel message) with the bot token.
    if (kind === "webhook" && fresh(ctx)) {
      await callApi(ctx, "Discord edit follow-up", `${ctx.apiBase}/webhooks/${ctx.context.applicationId}/${ctx.context.token}/messages/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body });
      return;
    }
    await callApi(ctx, "Discord edit message", `${ctx.apiBase}/channels/${ctx.chat}/messages/${id}`, { method: "PATCH", headers: { "content-type": "application/json", authorization: `Bot ${ctx.secrets.DISCORD_BOT_TOKEN ?? ""}` }, body });
  },
  async send(ctx, message) {
    const components = message.buttons?.length
      ? [{ type: 1, components: message.buttons.slice(0, 5).map((b, i) => ({ type: 2, style: i === 0 ? 1 : 2, label: b.label.slice(0, 80), custom_id: b.data.slice(0, 100) })) }]
      : undefined;
    const body = JSON.stringify({ content: message.text, ...(components ? { components } : {}) });
    if (fresh(ctx)) {
      await callApi(ctx, "Discord follow-up", `${ctx.apiBase}/webhooks/${ctx.context.applicationId}/${ctx.context.token}`, { method: "POST", headers: { "content-type": "application/json" }, body });
      return;
    }
    await callApi(ctx, "Discord create message", `${ctx.apiBase}/channels/${ctx.chat}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bot ${ctx.secrets.DISCORD_BOT_TOKEN ?? ""}` },
      body,
    });
  },
};
