/**
 * `aerostack bot simulate`: a webhook built and signed exactly the way each chat platform builds and signs it, sent
 * to a bot on a local dev server or a platform. The signing secrets come from the caller's environment (or
 * .dev.vars), never from an argument. Tests of the adapters use the same builders, so "correctly signed" means one thing.
 */
import { createHmac, createPrivateKey, createPublicKey, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEV_VARS_FILE, parseDotenv } from "../project/secrets";
import type { BotPlatform } from "../../shared/bots";
import { UsageError } from "../errors";

export interface SignedWebhook {
  method: "POST" | "GET";
  headers: Record<string, string>;
  body: string;
}

export interface SimulateInput {
  platform: BotPlatform;
  text: string;
  chat: string;
  user: string;
  /** A button's data instead of text. */
  button?: boolean;
  /** A delivery id (the same one twice is a redelivery). */
  id: string;
  /** Seconds since the epoch the request claims (Slack's and Discord's timestamps). */
  now?: number;
}

const need = (secrets: Record<string, string | undefined>, name: string, platform: string): string => {
  const value = secrets[name];
  if (!value) throw new UsageError(`${name} is not set: simulating a ${platform} webhook signs it with the bot's own secret.`, { hint: `Export ${name} (the value you set with \`aerostack secret put ${name}\`), or put ${name}=… in .dev.vars.` });
  return value;
};

/** Ed25519 private key from its 32-byte seed (hex), as PKCS#8 for node:crypto. */
function ed25519Key(seedHex: string) {
  const prefix = Buffer.from("302e020100300506032b657004220420", "hex");
  return createPrivateKey({ key: Buffer.concat([prefix, Buffer.from(seedHex, "hex")]), format: "der", type: "pkcs8" });
}

export function signedWebhook(input: SimulateInput, secrets: Record<string, string | undefined>): SignedWebhook {
  const now = input.now ?? Math.floor(Date.now() / 1000);
  switch (input.platform) {
    case "telegram": {
      const update = input.button
        ? { update_id: Number(input.id), callback_query: { id: `cb${input.id}`, from: { id: Number(input.user) || 1, first_name: input.user }, message: { message_id: 1, chat: { id: Number(input.chat) || input.chat, type: "private" }, text: "" }, data: input.text } }
        : { update_id: Number(input.id), message: { message_id: Number(input.id), from: { id: Number(input.user) || 1, first_name: input.user }, chat: { id: Number(input.chat) || input.chat, type: "private" }, date: now, text: input.text } };
      return { method: "POST", headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": need(secrets, "TELEGRAM_WEBHOOK_SECRET", "Telegram") }, body: JSON.stringify(update) };
    }
    case "slack": {
      const secret = need(secrets, "SLACK_SIGNING_SECRET", "Slack");
      const form = input.button;
      const body = form
        ? new URLSearchParams({ payload: JSON.stringify({ type: "block_actions", trigger_id: input.id, user: { id: input.user }, channel: { id: input.chat }, actions: [{ action_id: "b0", value: input.text, action_ts: String(now) }] }) }).toString()
        : JSON.stringify({ type: "event_callback", event_id: input.id, event_time: now, event: { type: "message", channel: input.chat, user: input.user, text: input.text, ts: `${now}.000100` } });
      const signature = `v0=${createHmac("sha256", secret).update(`v0:${now}:${body}`).digest("hex")}`;
      return { method: "POST", headers: { "content-type": form ? "application/x-www-form-urlencoded" : "application/json", "x-slack-request-timestamp": String(now), "x-slack-signature": signature }, body };
    }
    case "discord": {
      const seed = need(secrets, "DISCORD_PRIVATE_KEY", "Discord");
      const interaction = input.button
        ? { id: input.id, type: 3, application_id: "app1", token: `tok${input.id}`, channel_id: input.chat, user: { id: input.user }, data: { custom_id: input.text, component_type: 2 } }
        : { id: input.id, type: 2, application_id: "app1", token: `tok${input.id}`, channel_id: input.chat, user: { id: input.user }, data: { name: "ask", options: [{ name: "question", type: 3, value: input.text }] } };
      const body = JSON.stringify(interaction);
      const signature = sign(null, Buffer.from(`${now}${body}`), ed25519Key(seed)).toString("hex");
      return { method: "POST", headers: { "content-type": "application/json", "x-signature-ed25519": signature, "x-signature-timestamp": String(now) }, body };
    }
    case "whatsapp": {
      const secret = need(secrets, "WHATSAPP_APP_SECRET", "WhatsApp");
      const message = input.button
        ? { from: input.chat, id: input.id, timestamp: String(now), type: "interactive", interactive: { type: "button_reply", button_reply: { id: input.text, title: input.text.slice(0, 20) } } }
        : { from: input.chat, id: input.id, timestamp: String(now), type: "text", text: { body: input.text } };
      const body = JSON.stringify({ object: "whatsapp_business_account", entry: [{ id: "waba", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { display_phone_number: "15550000000", phone_number_id: "pn1" }, messages: [message] } }] }] });
      return { method: "POST", headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}` }, body };
    }
  }
}

/** The Ed25519 public key (hex) of a 32-byte seed: what DISCORD_PUBLIC_KEY holds for a simulated application. */
export function ed25519PublicKeyHex(seedHex: string): string {
  // The SPKI DER of an Ed25519 key ends with its 32 raw bytes.
  const spki = createPublicKey(ed25519Key(seedHex)).export({ format: "der", type: "spki" });
  return Buffer.from(spki).subarray(-32).toString("hex");
}

/** Secrets for signing: the process environment over `.dev.vars` in the folder (names only ever appear in errors). */
export async function simulationSecrets(cwd: string, environment: NodeJS.ProcessEnv = process.env): Promise<Record<string, string | undefined>> {
  let file: Record<string, string> = {};
  try {
    file = parseDotenv(await readFile(join(cwd, DEV_VARS_FILE), "utf8"));
  } catch {
    // No .dev.vars: the environment alone.
  }
  return { ...file, ...environment };
}

/** Sends the signed webhook to `<base>/bots/<bot>/<platform>` and answers with what the bot's endpoint said. */
export async function sendWebhook(base: string, bot: string, platform: BotPlatform, hook: SignedWebhook): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const url = `${base.replace(/\/+$/, "")}/bots/${bot}/${platform}`;
  let response: Response;
  try {
    response = await fetch(url, { method: hook.method, headers: hook.headers, ...(hook.method === "POST" ? { body: hook.body } : {}) });
  } catch (err) {
    throw new UsageError(`Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}`, { hint: "Start the platform (`aerostack platform start`) or pass --url." });
  }
  return { status: response.status, body: await response.text(), ms: performance.now() - started };
}
