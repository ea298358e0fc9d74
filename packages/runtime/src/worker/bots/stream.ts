/**
 * A long answer streamed as message edits (Telegram editMessageText, Slack chat.update, Discord's follow-up edit):
 * once the model's text is long enough to be worth it, the answer's first message is posted and then edited as text
 * comes (at most once a second: the platforms rate-limit edits), split at the platform's length limit into further
 * messages. Each message's reference and text are stored in the chat's object, so an answer handled again after a
 * crash edits the messages already posted instead of posting them twice; the final text marks every part as sent.
 */
import { splitMessage } from "./split";
import type { Adapter, SendContext } from "./types";

/** Shorter answers are sent whole (one API call instead of a post and its edits). */
export const STREAM_MIN_CHARS = 500;
/** A slow model's text is shown once it has been coming this long, even while short. */
export const STREAM_AFTER_MS = 1500;
/** At most one round of edits this often while text comes. */
export const STREAM_EDIT_MS = 1000;

export class ReplyStream {
  private started = false;
  private firstText = 0;
  private lastSync = 0;

  constructor(
    private readonly sql: SqlStorage,
    /** The key of the reply (`<delivery>:<part>`); each message is `<key>/<index>`, the key `deliver` uses too. */
    private readonly key: string,
    private readonly limit: number,
    private readonly adapter: Required<Pick<Adapter, "post" | "edit">>,
    private readonly context: () => Promise<SendContext>,
    private readonly now: () => number = Date.now,
  ) {}

  /** The model's text so far (the current model turn's). */
  async update(text: string): Promise<void> {
    const now = this.now();
    if (!text.trim()) return;
    this.firstText ||= now;
    if (!this.started && text.length < STREAM_MIN_CHARS && now - this.firstText < STREAM_AFTER_MS) return;
    if (this.started && now - this.lastSync < STREAM_EDIT_MS) return;
    await this.sync(text, false);
  }

  /** The final answer: every message edited to it (only if streaming began) and recorded as sent. */
  async finish(text: string): Promise<boolean> {
    if (!this.started && !this.sql.exec("SELECT 1 FROM streams WHERE substr(key, 1, length(?1)) = ?1 LIMIT 1", `${this.key}/`).toArray().length) return false;
    await this.sync(text, true);
    return true;
  }

  private async sync(text: string, final: boolean): Promise<void> {
    this.started = true;
    this.lastSync = this.now();
    const ctx = await this.context();
    for (const [i, part] of splitMessage(text, this.limit).entries()) {
      const partKey = `${this.key}/${i}`;
      if (final && this.sql.exec("SELECT 1 FROM sent WHERE key = ?", partKey).toArray().length) continue;
      const row = this.sql.exec<{ ref: string; text: string }>("SELECT ref, text FROM streams WHERE key = ?", partKey).toArray()[0];
      if (!row) {
        const ref = await this.adapter.post(ctx, part);
        this.sql.exec("INSERT INTO streams (key, ref, text) VALUES (?, ?, ?)", partKey, ref, part);
      } else if (row.text !== part) {
        // An edit to the same text is refused by Telegram ("message is not modified"): only changes are sent.
        await this.adapter.edit(ctx, row.ref, part);
        this.sql.exec("UPDATE streams SET text = ? WHERE key = ?", part, partKey);
      }
      if (final) this.sql.exec("INSERT OR IGNORE INTO sent (key, at) VALUES (?, ?)", partKey, Date.now());
    }
  }
}
