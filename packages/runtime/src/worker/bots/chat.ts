/**
 * BotChat: one SQLite Durable Object per (account, bot, platform, chat). A verified delivery is written to its inbox
 * (the delivery id is the primary key, so a redelivery is recognised and runs nothing) before the webhook is
 * acknowledged; the work happens after, on the object's alarm, which survives a restart: a message whose handling a
 * crash cut off is handled again, and each reply part is recorded as sent so none goes out twice. The object also
 * holds the chat's memory (recent turns word for word, older ones summarised), the per-user rate windows, and, in
 * workflow mode, the runs this chat started, whose messages it forwards to the chat.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { migrateSchema, type SchemaMigration } from "../control/schema";
import { DEFAULT_ENV } from "../../shared/api";
import { BOT_LIMITS, DEFAULT_API_BASE, MESSAGE_LIMITS, type BotDefinition, type BotLogEntry, type BotPlatform } from "../../shared/bots";
import type { AiRpc, ChatMessage } from "../../shared/wire/ai";
import { sha256Hex } from "../../shared/sha256";
import type { BindingExports } from "../isolates/loader";
import { egressFor } from "../egress/outbound";
import { projectStore } from "../projects/project-store";
import { tenantId } from "../projects/tenant";
import type { Rpc } from "../workflows/engine/rpc";
import { chatWorkTurn } from "./ack-first";
import { ADAPTERS } from "./adapters/index";
import { runAgent } from "./agent";
import { botRegistry, type BotMeta } from "./registry";
import { splitMessage } from "./split";
import { ReplyStream } from "./stream";
import { SendError, TurnError, type Button, type InboundEvent, type OutboundMessage, type SendContext } from "./types";
import { pullRuns, workflowTurn } from "./workflow-mode";

const MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "inbox, memory, rate, sent, runs",
    sql: `
      CREATE TABLE meta (one INTEGER PRIMARY KEY CHECK (one = 1), bot TEXT NOT NULL, account TEXT NOT NULL, platform TEXT NOT NULL,
        chat TEXT NOT NULL, context TEXT NOT NULL, last_inbound INTEGER NOT NULL);
      CREATE TABLE inbox (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL, button INTEGER NOT NULL,
        context TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL);
      CREATE INDEX inbox_pending ON inbox (state, seq);
      CREATE TABLE turns (id INTEGER PRIMARY KEY AUTOINCREMENT, role TEXT NOT NULL, content TEXT NOT NULL);
      CREATE TABLE summary (one INTEGER PRIMARY KEY CHECK (one = 1), text TEXT NOT NULL);
      CREATE TABLE rate (user TEXT PRIMARY KEY, window INTEGER NOT NULL, count INTEGER NOT NULL, warned INTEGER NOT NULL);
      CREATE TABLE sent (key TEXT PRIMARY KEY, at INTEGER NOT NULL);
      CREATE TABLE runs (run TEXT PRIMARY KEY, workflow TEXT NOT NULL, sent_max INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL);
    `,
  },
  {
    version: 2,
    name: "web outbox, clock, streamed messages",
    // The local chat page's messages: it reads them from here, so a workflow's later message (sent on the alarm,
    // not while the page's request waits) reaches the page too.
    // The chat's clock offset: tests (through the control API) move a chat past WhatsApp's 24 hours or Discord's
    // 15 minutes without waiting for them.
    sql: `CREATE TABLE web_out (id INTEGER PRIMARY KEY AUTOINCREMENT, text TEXT NOT NULL, buttons TEXT NOT NULL, at INTEGER NOT NULL, source TEXT);
      CREATE TABLE clock (one INTEGER PRIMARY KEY CHECK (one = 1), offset INTEGER NOT NULL);
      CREATE TABLE streams (key TEXT PRIMARY KEY, ref TEXT NOT NULL, text TEXT NOT NULL);`,
  },
];

/** The local chat page keeps this many of its newest messages to read. */
const WEB_OUTBOX_KEEP = 500;

/** Delivery ids are remembered this long (platforms redeliver within hours). */
const DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A message whose handling keeps failing (a platform API down) is tried this many times, with backoff. */
const MAX_ATTEMPTS = 5;
/** How often a chat looks at its workflow runs: soon while one runs, slowly while one waits for a person. */
const RUNNING_POLL_MS = 100;
const WAITING_POLL_MS = 2000;
/** While messages are handled the alarm is kept this close, so work a crash cut off resumes this soon after a restart. */
const WATCHDOG_MS = 2000;

export interface ReceiveArgs {
  bot: string;
  account: string;
  platform: BotPlatform | "web";
  event: InboundEvent;
}

type InboxRow = Record<string, SqlStorageValue> & { id: string; seq: number; user: string; text: string; button: number; context: string; attempts: number; received_at: number };
type MetaRow = Record<string, SqlStorageValue> & { bot: string; account: string; platform: string; chat: string; context: string; last_inbound: number };

/** What handling one message needs: the bot, the chat's sender, and the log entry being filled in. */
export interface Turn {
  env: PlatformEnv;
  chat: BotChat;
  meta: BotMeta;
  account: string;
  platform: BotPlatform | "web";
  chatId: string;
  row: { id: string; user: string; text: string; button: boolean };
  send(message: OutboundMessage): Promise<void>;
  acknowledgeButton(result: string): Promise<void>;
  /** The reply streamed as message edits, where the platform has them (null: send it whole). */
  openStream(): ReplyStream | null;
  log: Omit<BotLogEntry, "id">;
}

export class BotChat extends DurableObject<PlatformEnv> {
  readonly sql: SqlStorage;
  private draining: Promise<void> | null = null;
  /** The clock offset, cached (advanceClock is its only writer). */
  private offset: number | undefined;
  /** What `converse` reports of the message it handles: the tools called and any failure (the page shows them). */
  private webTrace: { toolCalls: BotLogEntry["toolCalls"]; errors: string[] } | null = null;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => migrateSchema(ctx.storage, MIGRATIONS));
  }

  // ── RPC ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Records a verified delivery (once per id) and schedules its handling; answers at once. */
  async receive(args: ReceiveArgs): Promise<{ duplicate: boolean }> {
    const now = this.now();
    const known = this.sql.exec("SELECT 1 FROM inbox WHERE id = ?", args.event.id).toArray().length > 0;
    if (known) {
      this.ctx.waitUntil(this.logOf(args, "duplicate", now).catch(() => {}));
      return { duplicate: true };
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM inbox WHERE state = 'done' AND received_at < ?", now - DEDUPE_TTL_MS);
      const seq = this.sql.exec<{ n: number | null }>("SELECT max(seq) AS n FROM inbox").one().n ?? 0;
      this.sql.exec(
        "INSERT INTO inbox (id, seq, user, text, button, context, state, received_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)",
        args.event.id, seq + 1, args.event.user, args.event.text, args.event.button ? 1 : 0, JSON.stringify(args.event.context), now,
      );
      this.sql.exec(
        "INSERT INTO meta (one, bot, account, platform, chat, context, last_inbound) VALUES (1, ?, ?, ?, ?, ?, ?) ON CONFLICT (one) DO UPDATE SET context = excluded.context, last_inbound = excluded.last_inbound",
        args.bot, args.account, args.platform, args.event.chat, JSON.stringify(args.event.context), now,
      );
    });
    // Alarms run on the wall clock (the chat clock is only ahead in tests).
    await this.ctx.storage.setAlarm(Date.now());
    return { duplicate: false };
  }

  /**
   * The local chat page (and the chat API): records the message, handles it now, and answers with the replies it
   * produced (the page's web outbox after `cursor`), the tools called and any failure. A workflow's later messages
   * are read with `webMessages`.
   */
  async converse(args: ReceiveArgs): Promise<WebConverseResult> {
    const cursor = this.webCursor();
    const { duplicate } = await this.receive(args);
    if (duplicate) {
      // The same message again (a page retrying its POST, a workflow's step repeated after a crash): handled once,
      // answered with what it said then (after a drain, in case a crash cut its handling off).
      await this.drain();
      const replies = this.sql.exec<{ id: number; text: string; buttons: string }>("SELECT id, text, buttons FROM web_out WHERE source = ? ORDER BY id", args.event.id).toArray();
      return { replies: replies.map((r) => ({ id: r.id, text: r.text, buttons: JSON.parse(r.buttons) as Button[] })), cursor: this.webCursor(), toolCalls: [], errors: [] };
    }
    const trace: NonNullable<BotChat["webTrace"]> = { toolCalls: [], errors: [] };
    this.webTrace = trace;
    try {
      await this.drain();
    } finally {
      this.webTrace = null;
    }
    return { ...this.webMessages(cursor), ...trace };
  }

  /** The local chat page's messages after `after` (an id), oldest first, and the cursor to ask from next. */
  webMessages(after: number): { replies: { id: number; text: string; buttons: Button[] }[]; cursor: number } {
    const rows = this.sql.exec<{ id: number; text: string; buttons: string }>("SELECT id, text, buttons FROM web_out WHERE id > ? ORDER BY id LIMIT 200", after).toArray();
    return { replies: rows.map((r) => ({ id: r.id, text: r.text, buttons: JSON.parse(r.buttons) as Button[] })), cursor: rows.at(-1)?.id ?? Math.max(after, 0) };
  }

  private webCursor(): number {
    return this.sql.exec<{ n: number | null }>("SELECT max(id) AS n FROM web_out").one().n ?? 0;
  }

  /** Sends a message to this chat on another chat's behalf (a workflow's approval request in the approvers' channel). */
  async sendOut(args: { bot: string; account: string; platform: BotPlatform; chat: string; key: string; message: OutboundMessage }): Promise<void> {
    if (this.sql.exec("SELECT 1 FROM sent WHERE key = ?", args.key).toArray().length) return;
    if (!this.meta()) {
      this.sql.exec("INSERT INTO meta (one, bot, account, platform, chat, context, last_inbound) VALUES (1, ?, ?, ?, ?, '{}', 0)", args.bot, args.account, args.platform, args.chat);
    }
    const meta = await botRegistry(this.env, args.bot).get(args.account);
    if (!meta) return;
    await this.deliver(meta, args.key, args.message);
  }

  /** Moves this chat's clock forward (the control API, for tests): the platforms' time windows pass at once. */
  advanceClock(ms: number): void {
    this.sql.exec("INSERT INTO clock (one, offset) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET offset = offset + excluded.offset", ms);
    this.offset = undefined;
  }

  /** The chat's time: the wall clock plus any advance (time windows, rate windows, received_at). */
  private now(): number {
    this.offset ??= this.sql.exec<{ offset: number }>("SELECT offset FROM clock").toArray()[0]?.offset ?? 0;
    return Date.now() + this.offset;
  }

  /** Something changed for this chat's runs (a decision from another chat): look at them soon. */
  async poke(): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    // The webhooks in flight are answered first (ack-first.ts). A crash while waiting retries the alarm.
    await chatWorkTurn();
    await this.drain();
  }

  // ── handling ─────────────────────────────────────────────────────────────────────────────────────────────────

  meta(): MetaRow | null {
    return (this.sql.exec<MetaRow>("SELECT * FROM meta").toArray()[0] as MetaRow | undefined) ?? null;
  }

  /** One drain at a time: the alarm and `converse` may both ask. */
  private drain(): Promise<void> {
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = null;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    let delay: number | null = null;
    // The watchdog: while messages are handled, a pending alarm brings them back soon after a crash and restart.
    await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    try {
      for (;;) {
        const row = this.sql.exec<InboxRow>("SELECT * FROM inbox WHERE state = 'pending' ORDER BY seq LIMIT 1").toArray()[0] as InboxRow | undefined;
        if (!row) break;
        const retryIn = await this.handle(row);
        if (retryIn !== null) {
          delay = retryIn;
          break;
        }
      }
      const meta = this.meta();
      if (meta && this.sql.exec("SELECT 1 FROM runs LIMIT 1").toArray().length) {
        const registry = await botRegistry(this.env, meta.bot).get(meta.account);
        const state = registry ? await pullRuns(this.turnBase(registry, meta)) : "idle";
        const poll = state === "running" ? RUNNING_POLL_MS : state === "waiting" ? WAITING_POLL_MS : null;
        if (poll !== null) delay = Math.min(delay ?? poll, poll);
      }
    } finally {
      // A message received while this drain was finishing is handled by the next one.
      if (delay === null && this.sql.exec("SELECT 1 FROM inbox WHERE state = 'pending' LIMIT 1").toArray().length) delay = 0;
      if (delay !== null) await this.ctx.storage.setAlarm(Date.now() + delay);
      else await this.ctx.storage.deleteAlarm();
    }
  }

  /** Handles one inbox message; returns a retry delay when it should be tried again later, else null. */
  private async handle(row: InboxRow): Promise<number | null> {
    const meta = this.meta()!;
    const started = this.now();
    const bot = await botRegistry(this.env, meta.bot).get(meta.account);
    const event = { id: row.id, user: row.user, text: row.text, button: row.button === 1 };
    if (!bot) {
      this.sql.exec("UPDATE inbox SET state = 'done' WHERE id = ?", row.id);
      return null;
    }
    const turn: Turn = {
      ...this.turnBase(bot, meta),
      row: event,
      log: { ts: row.received_at, platform: meta.platform, chat: meta.chat, user: row.user, kind: event.button ? "button" : "message", text: row.text.slice(0, 500), reply: "", toolCalls: [], tokens: { input: 0, output: 0 }, iterations: 0, latencyMs: 0 },
    };
    let part = 0;
    const replies: string[] = [];
    turn.send = async (message) => {
      replies.push(message.text);
      await this.deliver(bot, `${row.id}:${part++}`, message, JSON.parse(row.context) as Record<string, string>, row.id);
    };
    turn.openStream = () => {
      const adapter = meta.platform === "web" ? undefined : ADAPTERS[meta.platform as BotPlatform];
      if (!adapter?.post || !adapter.edit) return null;
      // The key of the turn's next reply (what `turn.send` would use), so its parts are sent once either way.
      return new ReplyStream(this.sql, `${row.id}:${part}`, MESSAGE_LIMITS[meta.platform as BotPlatform], { post: adapter.post, edit: adapter.edit }, () => this.sendContext(bot, JSON.parse(row.context) as Record<string, string>));
    };
    turn.acknowledgeButton = async (result) => {
      const adapter = meta.platform === "web" ? undefined : ADAPTERS[meta.platform as BotPlatform];
      if (!adapter?.acknowledgeButton) return;
      const key = `${row.id}:ack`;
      if (this.sql.exec("SELECT 1 FROM sent WHERE key = ?", key).toArray().length) return;
      await adapter.acknowledgeButton(await this.sendContext(bot, JSON.parse(row.context) as Record<string, string>), result);
      this.sql.exec("INSERT OR IGNORE INTO sent (key, at) VALUES (?, ?)", key, Date.now());
    };
    try {
      if (!event.button && !this.allowed(bot.definition, row.user, started)) {
        turn.log.kind = "rate_limited";
      } else if (bot.definition.mode === "agent") {
        await this.agentTurn(turn);
      } else {
        await workflowTurn(turn);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const retryable = err instanceof SendError ? err.retryable : !(err instanceof TurnError);
      if (retryable && row.attempts + 1 < MAX_ATTEMPTS) {
        this.sql.exec("UPDATE inbox SET attempts = attempts + 1 WHERE id = ?", row.id);
        return 500 * 2 ** row.attempts;
      }
      turn.log.kind = "error";
      turn.log.error = message.slice(0, 1000);
      // The user hears that it failed (unless sending is what failed); the reason stays in `bot logs`.
      if (!(err instanceof SendError)) await turn.send({ text: "Sorry, I could not handle that message. Please try again later." }).catch(() => {});
    }
    this.sql.exec("UPDATE inbox SET state = 'done' WHERE id = ?", row.id);
    turn.log.reply = replies.join("\n").slice(0, 500);
    if (this.webTrace) {
      this.webTrace.toolCalls.push(...turn.log.toolCalls);
      if (turn.log.error) this.webTrace.errors.push(turn.log.error);
    }
    turn.log.latencyMs = this.now() - row.received_at;
    this.ctx.waitUntil(botRegistry(this.env, meta.bot).log(turn.log).catch(() => {}));
    return null;
  }

  turnBase(bot: BotMeta, meta: MetaRow): Omit<Turn, "row" | "log"> & { log: Turn["log"]; row: Turn["row"] } {
    const context = JSON.parse(meta.context) as Record<string, string>;
    return {
      env: this.env,
      chat: this,
      meta: bot,
      account: meta.account,
      platform: meta.platform as BotPlatform | "web",
      chatId: meta.chat,
      row: { id: "", user: "", text: "", button: false },
      send: (message) => this.deliver(bot, `out:${crypto.randomUUID()}`, message, context),
      acknowledgeButton: async () => {},
      openStream: () => null,
      log: { ts: Date.now(), platform: meta.platform, chat: meta.chat, user: "", kind: "message", text: "", reply: "", toolCalls: [], tokens: { input: 0, output: 0 }, iterations: 0, latencyMs: 0 },
    };
  }

  /**
   * Sends one message to this chat, split at the platform's limit; each part once (its key is recorded as sent).
   * `source`: the delivery it answers (the chat page finds a repeated message's replies by it).
   */
  async deliver(bot: BotMeta, key: string, message: OutboundMessage, context?: Record<string, string>, source?: string): Promise<void> {
    const meta = this.meta()!;
    const parts = splitMessage(message.text, MESSAGE_LIMITS[meta.platform as BotPlatform | "web"]);
    for (const [i, text] of parts.entries()) {
      const partKey = `${key}/${i}`;
      if (this.sql.exec("SELECT 1 FROM sent WHERE key = ?", partKey).toArray().length) continue;
      // Buttons ride on the last part, under the text they answer.
      const part: OutboundMessage = { text, ...(i === parts.length - 1 && message.buttons ? { buttons: message.buttons } : {}) };
      if (meta.platform === "web") {
        const id = this.sql.exec<{ id: number }>("INSERT INTO web_out (text, buttons, at, source) VALUES (?, ?, ?, ?) RETURNING id", part.text, JSON.stringify(part.buttons ?? []), Date.now(), source ?? null).one().id;
        if (id % 50 === 0) this.sql.exec("DELETE FROM web_out WHERE id <= ?", id - WEB_OUTBOX_KEEP);
      }
      else {
        if (meta.platform === "whatsapp" && this.now() - meta.last_inbound > BOT_LIMITS.whatsappWindowMs) {
          throw new SendError("WhatsApp allows free-form messages only within 24 hours of the user's last message; outside it only approved template messages may be sent, so this message was not sent", false);
        }
        await ADAPTERS[meta.platform as BotPlatform].send(await this.sendContext(bot, context ?? (JSON.parse(meta.context) as Record<string, string>)), part);
      }
      this.sql.exec("INSERT OR IGNORE INTO sent (key, at) VALUES (?, ?)", partKey, Date.now());
    }
  }

  private async sendContext(bot: BotMeta, context: Record<string, string>): Promise<SendContext> {
    const meta = this.meta()!;
    const platform = meta.platform as BotPlatform;
    const tenant = tenantId(bot.account, bot.name, DEFAULT_ENV);
    const egress = egressFor(this.env, this.ctx.exports, tenant);
    return {
      secrets: await projectStore(this.env, tenant).getSecrets(tenant),
      apiBase: (bot.definition.apiBase[platform] ?? DEFAULT_API_BASE[platform]).replace(/\/$/, ""),
      fetch: (url, init) => egress.fetch(url, init),
      chat: meta.chat,
      context,
      now: this.now(),
    };
  }

  /** The per-user rate limit (a fixed one-minute window); the first refusal in a window says so, later ones are silent. */
  private allowed(definition: BotDefinition, user: string, now: number): boolean {
    const window = Math.floor(now / 60_000);
    const row = this.sql.exec<{ window: number; count: number }>("SELECT window, count FROM rate WHERE user = ?", user).toArray()[0];
    const count = row && row.window === window ? row.count + 1 : 1;
    this.sql.exec("INSERT INTO rate (user, window, count, warned) VALUES (?, ?, ?, 0) ON CONFLICT (user) DO UPDATE SET window = excluded.window, count = excluded.count", user, window, count);
    return count <= definition.rateLimitPerMinute;
  }

  private ai(bot: BotMeta): AiRpc {
    return (this.ctx.exports as BindingExports).ScopedAI({ props: { project: tenantId(bot.account, bot.name, DEFAULT_ENV) } }) as unknown as AiRpc;
  }

  /** Agent-loop mode: memory, the model with the workspace's tools, the answer, memory again. */
  private async agentTurn(turn: Turn): Promise<void> {
    const bot = turn.meta;
    const summary = this.sql.exec<{ text: string }>("SELECT text FROM summary").toArray()[0]?.text;
    const system = [bot.definition.systemPrompt, summary ? `Summary of the conversation so far: ${summary}` : ""].filter(Boolean).join("\n\n");
    const turns = this.sql.exec<{ role: "user" | "assistant"; content: string }>("SELECT role, content FROM turns ORDER BY id").toArray();
    const history: ChatMessage[] = [...(system ? [{ role: "system" as const, content: system }] : []), ...turns.map((t) => ({ role: t.role, content: t.content }))];
    const stream = turn.openStream();
    const result = await runAgent({
      env: this.env,
      ai: this.ai(bot),
      account: bot.account,
      definition: bot.definition,
      history,
      text: turn.row.text,
      idempotencyKey: await sha256Hex(`${this.ctx.id.toString()}/${turn.row.id}`),
      ...(stream ? { onText: (text: string) => stream.update(text) } : {}),
    });
    Object.assign(turn.log, { toolCalls: result.toolCalls, tokens: result.tokens, iterations: result.iterations });
    // A streamed answer is edited to its final text (its parts then count as sent); `send` records it for the log.
    await stream?.finish(result.text || "(no answer)");
    await turn.send({ text: result.text || "(no answer)" });
    this.sql.exec("INSERT INTO turns (role, content) VALUES ('user', ?), ('assistant', ?)", turn.row.text, result.text);
    await this.fold(bot);
  }

  /** Memory: beyond `memoryTurns`, the oldest turns are folded into the chat's summary (by the model; plain text if it fails). */
  private async fold(bot: BotMeta): Promise<void> {
    const count = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM turns").one().n;
    if (count <= bot.definition.memoryTurns) return;
    const old = this.sql.exec<{ id: number; role: string; content: string }>("SELECT id, role, content FROM turns ORDER BY id LIMIT ?", count - Math.floor(bot.definition.memoryTurns / 2)).toArray();
    const previous = this.sql.exec<{ text: string }>("SELECT text FROM summary").toArray()[0]?.text ?? "";
    const transcript = old.map((t) => `${t.role}: ${t.content}`).join("\n");
    let summary: string;
    try {
      // One user message, the instruction first and the older summary before the turns: a model (the offline one
      // too, which summarises the text after the colon from its first sentence) keeps what came first.
      const answer = await this.ai(bot).chat({
        messages: [
          {
            role: "user",
            content: `Summarize the conversation below in at most five sentences, keeping names, numbers and open requests:\n${previous ? `${previous}\n` : ""}${transcript}`,
          },
        ],
        ...(bot.definition.model ? { model: bot.definition.model } : {}),
      });
      summary = answer.text;
    } catch {
      summary = `${previous}\n${transcript}`;
    }
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT INTO summary (one, text) VALUES (1, ?) ON CONFLICT (one) DO UPDATE SET text = excluded.text", summary.slice(-4000));
      this.sql.exec("DELETE FROM turns WHERE id <= ?", old.at(-1)!.id);
    });
  }

  private async logOf(args: ReceiveArgs, kind: string, now: number): Promise<void> {
    await botRegistry(this.env, args.bot).log({ ts: now, platform: args.platform, chat: args.event.chat, user: args.event.user, kind, text: args.event.text.slice(0, 500), reply: "", toolCalls: [], tokens: { input: 0, output: 0 }, iterations: 0, latencyMs: 0 });
  }
}

export type BotChatStub = Rpc<BotChat, "receive" | "converse" | "webMessages" | "sendOut" | "poke" | "advanceClock">;

export interface WebConverseResult {
  replies: { id: number; text: string; buttons: Button[] }[];
  cursor: number;
  toolCalls: BotLogEntry["toolCalls"];
  errors: string[];
}

/** The chat's object: named by account too, so a bot name taken over by another account never sees old memory. */
export function botChat(env: PlatformEnv, account: string, bot: string, platform: string, chat: string): BotChatStub {
  return env.BOT_CHAT.get(env.BOT_CHAT.idFromName(`${account}/${bot}/${platform}/${chat}`)) as unknown as BotChatStub;
}
