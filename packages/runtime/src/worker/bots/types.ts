/**
 * The contract between the bot core (chat.ts) and a chat platform's adapter (adapters/<platform>.ts): an adapter
 * verifies what comes in and turns it into events, and sends messages through the platform's API. Nothing else in
 * the platform knows a chat platform's wire format.
 */
import type { BotPlatform } from "../../shared/bots";

/** One thing a user did: a message, or a button press (`button` holds the button's data). */
export interface InboundEvent {
  /** The platform's delivery id (update_id, event_id, interaction id, message id): the dedupe key. */
  id: string;
  chat: string;
  user: string;
  text: string;
  button?: boolean;
  /** What a reply needs from this delivery (a Discord interaction token, a WhatsApp phone number id, a Telegram callback id). */
  context: Record<string, string>;
}

export type Verified =
  /** A verified delivery: answer `response` now (the platform's deadline), handle `events` after. */
  | { ok: true; response: Response; events: InboundEvent[]; retry?: boolean }
  /** Refused (forged, stale, malformed): `response` is the refusal; nothing runs. */
  | { ok: false; response: Response; reason: string };

export interface Button {
  label: string;
  data: string;
}

export interface OutboundMessage {
  text: string;
  buttons?: Button[];
}

export interface SendContext {
  /** The bot's vault secrets (tokens): never logged, never in an error message. */
  secrets: Record<string, string>;
  apiBase: string;
  /** The platform's egress (worker/egress): outbound calls obey the same rules as user code. */
  fetch: (url: string, init: RequestInit) => Promise<Response>;
  chat: string;
  /** The latest inbound event's context in this chat. */
  context: Record<string, string>;
  now: number;
}

export interface Adapter {
  platform: BotPlatform;
  verify(request: Request, body: string, secrets: Record<string, string>, now: number): Promise<Verified>;
  send(ctx: SendContext, message: OutboundMessage): Promise<void>;
  /**
   * Long answers streamed as message edits: `post` sends a text message and returns its reference, `edit` replaces
   * its text. Absent on a platform without edits (WhatsApp): its answers are sent whole.
   */
  post?(ctx: SendContext, text: string): Promise<string>;
  edit?(ctx: SendContext, ref: string, text: string): Promise<void>;
  /** After a button press is handled: what the platform wants (Telegram: answerCallbackQuery and the keyboard removed). */
  acknowledgeButton?(ctx: SendContext, result: string): Promise<void>;
}

/** A message that cannot be handled now or later (the bot's workflow is missing): no retries, the reason in the log. */
export class TurnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TurnError";
  }
}

/** A platform API call that failed: the message names the platform, the method and the status, never a token. */
export class SendError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = "SendError";
  }
}
