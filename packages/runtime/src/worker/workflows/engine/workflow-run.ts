/**
 * WorkflowRun: one SQLite Durable Object per run (ARCHITECTURE decision 4). It holds the run's pinned definition, its
 * frontier (tokens: nodes due, running or waiting), recorded outputs, variables, trace and messages. "Attempt
 * started" is committed before a node runs; a node's completion (output, variables, messages, next frontier, trace
 * event) is one transaction. Every timer (waits, retry backoff, a watchdog while nodes run) is multiplexed on the
 * object's one alarm, which survives a restart; a new instance finds attempts a crash cut off and runs them again.
 * Execution is at-least-once per node; recorded results are exactly-once.
 */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
import { migrateSchema } from "../../control/schema";
import { sha256Hex } from "../../../shared/sha256";
import { DEFAULT_ENV } from "../../../shared/api";
import { WORKFLOW_LIMITS, type Condition, type NodeType, type RunInfo, type RunStatus, type Trace, type TraceEvent, type WorkflowDefinition, type WorkflowNode } from "../../../shared/workflows";
import { templatesIn } from "../../../shared/workflows-paths";
import { tenantId } from "../../projects/tenant";
import { projectStore } from "../../projects/project-store";
import { interpolate, redactSecrets, type Scope } from "../interpolate";
import { LITERAL_KEYS, NODE_EXECUTORS } from "../nodes/index";
import { isWait, NodeFailure, type NodeContext, type NodeDone, type NodeWait, type Wake } from "../nodes/types";
import { RUN_MIGRATIONS } from "./schema";
import type { Rpc } from "./rpc";
import { testCondition } from "./condition";
import { workflowRegistry } from "../registry/workflow-registry";
import { turns } from "../../turns/turns";

/** While nodes run, the alarm is kept this close, so a crash's cut-off attempts resume this soon after a restart. */
const WATCHDOG_MS = 1000;
const FINISHED: readonly RunStatus[] = ["succeeded", "failed", "cancelled"];
/** Every column of `run` but the definition. */
const ROW_COLUMNS = "id, account, workflow, version, workspace, trigger_kind, trigger, vars, status, output, error, parent, notified, caught, clock_offset, created_at, updated_at";

export interface StartRunArgs {
  id: string;
  account: string;
  workflow: string;
  version: number;
  definition: WorkflowDefinition;
  workspace: string | null;
  trigger: { kind: string; payload: unknown };
  parent: { run: string; key: string } | null;
}

type RunRow = Record<string, SqlStorageValue> & {
  id: string;
  account: string;
  workflow: string;
  version: number;
  workspace: string | null;
  trigger_kind: string;
  trigger: string;
  vars: string;
  status: RunStatus;
  output: string | null;
  error: string | null;
  parent: string | null;
  notified: number;
  caught: string | null;
  clock_offset: number;
  created_at: number;
  updated_at: number;
};

type TokenRow = Record<string, SqlStorageValue> & {
  id: number;
  node: string;
  visit: number;
  state: "ready" | "running" | "waiting";
  attempt: number;
  wake_at: number | null;
  wait_kind: string | null;
  wait_message: string | null;
  wake: string | null;
  previous: string | null;
};

type Row = Record<string, SqlStorageValue>;
const parse = <T>(text: string | null): T => (text === null ? null : JSON.parse(text)) as T;

export class WorkflowRun extends DurableObject<PlatformEnv> {
  private readonly sql: SqlStorage;
  private pumping = false;
  /**
   * The run-clock time before which no wait is due, so a round skips the due-wait update (0: look now). Waits are
   * written only by this object (wait, fail), each lowering it; a pump and a clock move start it over.
   */
  private nextDue = 0;
  /** The run clock's offset, cached (advanceClock is the only writer). */
  private offset: number | undefined;
  /** The parsed definition of this run (pinned at start), cached. */
  private pinned: {
    definition: WorkflowDefinition;
    byId: Map<string, WorkflowNode>;
    joins: Map<string, { mode: "all" | "any"; incoming: number }>;
    templates: Map<string, { nodes: string[]; secrets: boolean }>;
  } | null = null;

  constructor(ctx: DurableObjectState, env: PlatformEnv) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    void ctx.blockConcurrencyWhile(async () => {
      migrateSchema(ctx.storage, RUN_MIGRATIONS);
      // A new instance runs nothing yet: a `running` token is an attempt a restart cut off. It runs again.
      const cut = this.sql.exec<{ id: number; node: string; visit: number; attempt: number }>("SELECT id, node, visit, attempt FROM tokens WHERE state = 'running'").toArray();
      if (cut.length) {
        this.ctx.storage.transactionSync(() => {
          for (const t of cut) {
            this.sql.exec("UPDATE tokens SET state = 'ready', wake = NULL WHERE id = ?", t.id);
            this.event(t.node, t.visit, "interrupted", t.attempt, { error: "the platform stopped during this attempt; it runs again" });
          }
        });
      }
      await this.arm();
    });
  }

  // ── RPC ──────────────────────────────────────────────────────────────────────────────────────────────────────

  /** Starts the run; a second call with the same id returns the run as it is (starting is idempotent). */
  async start(args: StartRunArgs): Promise<RunInfo> {
    if (!this.row()) {
      const now = Date.now();
      this.ctx.storage.transactionSync(() => {
        this.sql.exec(
          "INSERT INTO run (one, id, account, workflow, version, definition, workspace, trigger_kind, trigger, vars, status, parent, created_at, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?)",
          args.id, args.account, args.workflow, args.version, JSON.stringify(args.definition), args.workspace, args.trigger.kind,
          JSON.stringify(args.trigger.payload ?? null), JSON.stringify(args.definition.vars ?? {}), args.parent ? JSON.stringify(args.parent) : null, now, now,
        );
        this.event(null, 0, "run_started", 0, { trigger: args.trigger.kind, version: args.version });
        const entry = args.definition.nodes.find((n) => n.type === "trigger")!;
        this.enqueue(entry.id, null);
      });
      await this.arm();
    }
    return this.info()!;
  }

  info(account?: string): RunInfo | null {
    const run = this.row();
    if (!run || (account !== undefined && run.account !== account)) return null;
    const tokens = this.sql.exec<TokenRow>("SELECT * FROM tokens ORDER BY id").toArray();
    const offset = run.clock_offset;
    return {
      id: run.id,
      workflow: run.workflow,
      version: run.version,
      status: run.status,
      trigger: run.trigger_kind,
      createdAt: run.created_at,
      updatedAt: run.updated_at,
      ...(run.output !== null ? { output: parse(run.output) } : {}),
      ...(run.error !== null ? { error: run.error } : {}),
      waiting: tokens
        .filter((t) => t.state === "waiting")
        .map((t) => ({ node: t.node, kind: t.wait_kind ?? "time", until: t.wake_at === null ? null : t.wake_at - offset, ...(t.wait_message ? { message: t.wait_message } : {}) })),
      running: tokens.filter((t) => t.state === "running").map((t) => t.node),
    };
  }

  /** The trace and messages after `after` (an event id), for `logs`, `logs --follow` and the agent stream. */
  trace(account: string, after = 0): Trace | null {
    const run = this.info(account);
    if (!run) return null;
    const events = this.sql.exec<Row>("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT 1000", after).toArray().map(toEvent);
    // Messages are few and small: all of them every time; a follower skips ids it has shown.
    const messages = this.sql.exec<{ id: number; ts: number; node: string | null; text: string }>("SELECT id, ts, node, text FROM messages ORDER BY id").toArray();
    return { run, events, messages, cursor: events.at(-1)?.id ?? after };
  }

  /** Approve or reject the run's waiting human_handoff. */
  decide(account: string, decision: { approve: boolean; reason?: string; by?: string }): Promise<{ ok: boolean; message: string }> {
    return this.deliver(account, "approval", decision, "no step of this run is waiting for approval");
  }

  /** A reply to the run's conversation (an auth_gate's code). */
  reply(account: string, text: string): Promise<{ ok: boolean; message: string }> {
    return this.deliver(account, "reply", { text }, "no step of this run is waiting for a reply");
  }

  /** A child run (delegate_to_workflow) finished: wakes the node waiting for it. */
  async childFinished(key: string, result: { run: string; status: RunStatus; output?: unknown; error?: string }): Promise<void> {
    const run = this.row();
    if (run) await this.deliver(run.account, `child:${key}`, result, "");
  }

  async cancel(account: string): Promise<RunInfo | null> {
    const run = this.row();
    if (!run || run.account !== account) return null;
    if (!FINISHED.includes(run.status)) {
      this.ctx.storage.transactionSync(() => this.finish("cancelled", null, "cancelled by request"));
      await this.arm();
    }
    return this.info();
  }

  /** Runs the workflow again from `node`, keeping the outputs recorded before it. */
  async retryFrom(account: string, node: string): Promise<{ ok: boolean; message: string; run?: RunInfo }> {
    const run = this.row();
    if (!run || run.account !== account) return { ok: false, message: "not found" };
    if (!this.definition().byId.has(node)) return { ok: false, message: `this run's definition (version ${run.version}) has no node "${node}"` };
    if (!FINISHED.includes(run.status)) return { ok: false, message: `the run is still ${run.status}; cancel it first or wait for it to finish` };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM tokens");
      this.sql.exec("UPDATE run SET status = 'running', error = NULL, output = NULL, notified = 0, updated_at = ?", Date.now());
      this.event(node, 0, "retry_from", 0, { node });
      const previous = this.sql.exec<{ output: string }>("SELECT output FROM outputs WHERE node = ?", node).toArray()[0];
      this.enqueue(node, previous?.output ?? null);
    });
    await this.arm();
    this.notifyRegistry();
    return { ok: true, message: "", run: this.info()! };
  }

  /** Moves the run's clock forward (tests and the control API only): due waits and backoffs fire at once. */
  async advanceClock(ms: number): Promise<void> {
    this.sql.exec("UPDATE run SET clock_offset = clock_offset + ?", ms);
    this.offset = undefined;
    this.nextDue = 0;
    await this.arm();
  }

  override async alarm(): Promise<void> {
    await this.pump();
    await this.notifyParent();
  }

  // ── the interpreter ──────────────────────────────────────────────────────────────────────────────────────────

  /** The run's row without its definition (which definition() reads once): read per node, so kept small. */
  private row(): RunRow | null {
    return (this.sql.exec<RunRow>(`SELECT ${ROW_COLUMNS} FROM run`).toArray()[0] as RunRow | undefined) ?? null;
  }

  /** The run's status alone: what the interpreter checks between steps (the whole row is read once per node). */
  private status(): RunStatus | null {
    return this.sql.exec<{ status: RunStatus }>("SELECT status FROM run").toArray()[0]?.status ?? null;
  }

  /** The run's clock: the real one plus the offset tests (and the control API) move it by. */
  private now(): number {
    this.offset ??= this.row()?.clock_offset ?? 0;
    return Date.now() + this.offset;
  }

  private definition() {
    if (!this.pinned) {
      const definition = parse<WorkflowDefinition>(this.sql.exec<{ definition: string }>("SELECT definition FROM run").one().definition);
      const byId = new Map(definition.nodes.map((n) => [n.id, n]));
      const joins = new Map<string, { mode: "all" | "any"; incoming: number }>();
      for (const n of definition.nodes) {
        if (n.type !== "parallel") continue;
        const c = n.config as { join: string; mode: "all" | "any" };
        joins.set(c.join, { mode: c.mode, incoming: definition.edges.filter((e) => e.to === c.join).length });
      }
      this.pinned = { definition, byId, joins, templates: new Map() };
    }
    return this.pinned;
  }

  /** `data` as an object, or as its JSON text already (a completion splices the output's JSON in as it is). */
  private event(node: string | null, visit: number, kind: string, attempt: number, data: Record<string, unknown> | string = {}): void {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    this.sql.exec("INSERT INTO events (ts, node, visit, kind, attempt, data) VALUES (?, ?, ?, ?, ?, ?)", Date.now(), node, visit, kind, attempt, text);
  }

  /** A token for `node`, or an arrival at a join that is not complete yet. Inside the caller's transaction. */
  private enqueue(node: string, previous: string | null): boolean {
    const join = this.definition().joins.get(node);
    if (join) {
      const arrived = (this.sql.exec<{ arrived: number }>("SELECT arrived FROM joins WHERE node = ?", node).toArray()[0]?.arrived ?? 0) + 1;
      const full = arrived >= join.incoming;
      this.sql.exec("INSERT INTO joins (node, arrived) VALUES (?, ?) ON CONFLICT (node) DO UPDATE SET arrived = excluded.arrived", node, full ? 0 : arrived);
      const fire = join.mode === "all" ? full : arrived === 1;
      if (!fire) return false;
    }
    const count = this.sql.exec<{ count: number }>("INSERT INTO visits (node, count) VALUES (?, 1) ON CONFLICT (node) DO UPDATE SET count = count + 1 RETURNING count", node).one().count;
    this.sql.exec("INSERT INTO tokens (node, visit, state, previous) VALUES (?, ?, 'ready', ?)", node, count - 1, previous);
    return true;
  }

  /** Runs every ready token (at once: parallel branches overlap) until none is ready; then the alarm is re-armed. */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    let holding = false;
    let sliced = 0;
    const slack = new SliceTimer();
    // Gives the turn up (until `meanwhile` settles, if given) and waits for it again: a fresh slice.
    const handOver = async (meanwhile?: Promise<unknown>): Promise<void> => {
      holding = false;
      turns.release();
      await meanwhile;
      await turns.take();
      holding = true;
      sliced = 0;
    };
    try {
      // The watchdog: while nodes run, a pending alarm brings the run back soon after a crash and restart.
      await this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
      this.nextDue = 0;
      // The isolate's other runs and the requests it serves get their turn between slices (worker/turns/turns.ts).
      await turns.take();
      holding = true;
      for (;;) {
        if (sliced >= turns.sliceRounds()) {
          slack.stop();
          await handOver();
        }
        const status = this.status();
        if (status === null || FINISHED.includes(status)) break;
        const now = this.now();
        // Due waits become ready: a retry's backoff starts a fresh attempt, any other wait wakes with a timeout.
        if (now >= this.nextDue) {
          this.sql.exec(
            "UPDATE tokens SET state = 'ready', wake = CASE WHEN wait_kind = 'retry' THEN NULL ELSE ? END WHERE state = 'waiting' AND wake_at IS NOT NULL AND wake_at <= ?",
            JSON.stringify({ kind: "timeout" }),
            now,
          );
          this.nextDue = this.sql.exec<{ at: number | null }>("SELECT min(wake_at) AS at FROM tokens WHERE state = 'waiting'").one().at ?? Infinity;
        }
        const ready = this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE state = 'ready' ORDER BY id").toArray();
        if (ready.length === 0) break;
        const round = Promise.all(ready.map((t) => this.execute(t))).then(() => true);
        // A round still going after a timer waits on real I/O (a fetch, a model, a sandbox): it uses no CPU, so
        // it does not keep the turn from the others meanwhile.
        const finished = await Promise.race([round, slack.armed()]);
        sliced++;
        if (!finished || slack.fired) slack.stop();
        if (!finished) await handOver(round);
      }
    } finally {
      slack.stop();
      if (holding) turns.release();
      this.pumping = false;
      this.settleStatus();
      await this.arm();
    }
  }

  /** running ⇄ waiting as the frontier changes; the registry's run list hears of it. */
  private settleStatus(): void {
    const run = this.row();
    if (!run || FINISHED.includes(run.status)) return;
    const active = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tokens WHERE state IN ('ready', 'running')").one().n;
    const status: RunStatus = active > 0 ? "running" : "waiting";
    if (status !== run.status) {
      this.sql.exec("UPDATE run SET status = ?, updated_at = ?", status, Date.now());
      this.notifyRegistry();
    }
  }

  /** The one alarm: now while tokens are ready, soon while nodes run (watchdog), else the earliest wait. */
  private async arm(): Promise<void> {
    const run = this.row();
    if (!run) return;
    if (FINISHED.includes(run.status)) {
      if (run.parent && !run.notified) await this.ctx.storage.setAlarm(Date.now());
      else await this.ctx.storage.deleteAlarm();
      return;
    }
    const active = this.sql.exec<{ state: string }>("SELECT state FROM tokens WHERE state IN ('ready', 'running')").toArray();
    if (active.some((t) => t.state === "ready")) return this.ctx.storage.setAlarm(Date.now());
    if (active.length) return this.ctx.storage.setAlarm(Date.now() + WATCHDOG_MS);
    const next = this.sql.exec<{ at: number | null }>("SELECT min(wake_at) AS at FROM tokens WHERE state = 'waiting'").one().at;
    if (next === null) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(Date.now(), next - run.clock_offset));
  }

  private async execute(token: TokenRow): Promise<void> {
    const { byId, definition } = this.definition();
    const node = byId.get(token.node)!;
    const wake = parse<Wake | null>(token.wake);
    // Waking from a wait continues the same attempt; anything else is a new one.
    const attempt = wake ? Math.max(1, token.attempt) : token.attempt + 1;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE tokens SET state = 'running', attempt = ?, started_at = ? WHERE id = ?", attempt, Date.now(), token.id);
      this.event(node.id, token.visit, wake ? "resumed" : "attempt_started", attempt, wake ? { wake: wake.kind === "event" ? wake.event : "timeout" } : {});
    });
    const started = Date.now();
    const fresh = this.row()!;
    const templates = this.templatesOf(node);
    const secrets = templates.secrets ? await this.secretsFor(fresh) : {};
    const previous = parse<unknown>(token.previous);
    const scope: Scope = {
      trigger: parse(fresh.trigger),
      nodes: this.referencedOutputs(templates.nodes),
      vars: parse(fresh.vars),
      run: { id: fresh.id, workflow: fresh.workflow, version: fresh.version },
      error: parse(fresh.caught),
      secrets,
    };
    const literal = LITERAL_KEYS[node.type as NodeType] ?? [];
    const templated = Object.fromEntries(Object.entries(node.config).filter(([k]) => !literal.includes(k)));
    const config = { ...node.config, ...(interpolate(templated, scope) as Record<string, unknown>) };
    // The trace's copy differs only where a secret is masked: a node that names none records the same object.
    const traceInput = templates.secrets ? { ...node.config, ...(interpolate(templated, scope, true) as Record<string, unknown>) } : config;
    const path = `${node.id}#${token.visit}`;
    let key: Promise<string> | undefined;
    const abort = new AbortController();
    const readState = () => parse<unknown>(this.sql.exec<{ state: string }>("SELECT state FROM node_state WHERE node = ?", node.id).toArray()[0]?.state ?? null);
    const ctx: NodeContext = {
      env: this.env,
      exports: this.ctx.exports,
      node,
      config,
      definition,
      scope,
      run: { id: fresh.id, account: fresh.account, workflow: fresh.workflow, version: fresh.version, workspace: fresh.workspace, tenant: tenantId(fresh.account, fresh.workflow, DEFAULT_ENV) },
      path,
      visit: token.visit,
      attempt,
      idempotencyKey: () => (key ??= sha256Hex(`${fresh.id}/${path}`)),
      now: () => this.now(),
      signal: abort.signal,
      // Read when a node asks (loop, auth_gate, agent_loop keep state; most nodes never do).
      get state() {
        return readState();
      },
      wake,
      previous,
      step: async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
        const key = `${path}/${name}`;
        const done = this.sql.exec<{ result: string }>("SELECT result FROM steps WHERE key = ?", key).toArray()[0];
        if (done) return parse<T>(done.result);
        const result = await fn();
        this.sql.exec("INSERT OR REPLACE INTO steps (key, result) VALUES (?, ?)", key, JSON.stringify(result ?? null));
        return result;
      },
      test: (condition: Condition) => testCondition(condition),
    };
    const executor = NODE_EXECUTORS[node.type as NodeType];
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const running = executor.run(ctx);
      const outcome = node.timeoutMs
        ? await Promise.race([
            running,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                abort.abort();
                reject(new Error(`timed out after ${node.timeoutMs} ms`));
              }, node.timeoutMs);
            }),
          ])
        : await running;
      const now = this.status();
      if (now !== fresh.status && FINISHED.includes(now ?? "cancelled")) return;
      if (isWait(outcome)) this.wait(token, node, attempt, outcome);
      else this.complete(token, node, attempt, outcome, { input: traceInput, started, secrets });
    } catch (err) {
      if (FINISHED.includes(this.status() ?? "cancelled")) return;
      this.fail(token, node, attempt, err, secrets);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /** What a node's templates name, worked out once per node of the pinned definition. */
  private templatesOf(node: WorkflowNode): { nodes: string[]; secrets: boolean } {
    const pinned = this.definition();
    let found = pinned.templates.get(node.id);
    if (!found) {
      const ids = new Set<string>();
      let secrets = false;
      for (const { text } of templatesIn(node.config)) {
        const m = /^\s*nodes\.([A-Za-z][A-Za-z0-9_]*)/.exec(text);
        if (m) ids.add(m[1]!);
        if (text.trim().startsWith("secrets.")) secrets = true;
      }
      found = { nodes: [...ids], secrets };
      pinned.templates.set(node.id, found);
    }
    return found;
  }

  /** The recorded outputs a node's templates name (`nodes.<id>.output`), and only those: a long run reads no more per node. */
  private referencedOutputs(ids: string[]): Record<string, { output: unknown }> {
    const out: Record<string, { output: unknown }> = {};
    for (const id of ids) {
      const row = this.sql.exec<{ output: string }>("SELECT output FROM outputs WHERE node = ?", id).toArray()[0];
      if (row) out[id] = { output: parse(row.output) };
    }
    return out;
  }

  /** Secrets are read only for a node whose config names one (`{{ secrets.NAME }}`). */
  private async secretsFor(run: RunRow): Promise<Record<string, string>> {
    const tenant = tenantId(run.account, run.workflow, DEFAULT_ENV);
    return projectStore(this.env, tenant).getSecrets(tenant);
  }

  private wait(token: TokenRow, node: WorkflowNode, attempt: number, outcome: NodeWait): void {
    const { kind, until, message } = outcome.wait;
    const at = until === null ? null : Math.min(until, this.now() + WORKFLOW_LIMITS.maxWaitMs);
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE tokens SET state = 'waiting', wait_kind = ?, wake_at = ?, wait_message = ?, wake = NULL WHERE id = ?", kind, at, message ?? null, token.id);
      if (at !== null) this.nextDue = Math.min(this.nextDue, at);
      this.nodeState(node.id, outcome);
      this.messages(node.id, outcome.messages);
      this.event(node.id, token.visit, "waiting", attempt, { wait: kind, ...(at !== null ? { until: at } : {}), ...(message ? { message } : {}) });
      this.touch();
    });
  }

  private nodeState(node: string, outcome: { state?: unknown }): void {
    if (!("state" in outcome)) return;
    if (outcome.state === null || outcome.state === undefined) this.sql.exec("DELETE FROM node_state WHERE node = ?", node);
    else this.sql.exec("INSERT OR REPLACE INTO node_state (node, state) VALUES (?, ?)", node, JSON.stringify(outcome.state));
  }

  private messages(node: string, texts: string[] | undefined): void {
    for (const text of texts ?? []) this.sql.exec("INSERT INTO messages (ts, node, text) VALUES (?, ?, ?)", Date.now(), node, text);
  }

  private touch(): void {
    this.sql.exec("UPDATE run SET updated_at = ?", Date.now());
  }

  /** The node's one completion transaction: output, variables, state, messages, trace event, next frontier. */
  private complete(token: TokenRow, node: WorkflowNode, attempt: number, outcome: NodeDone, meta: { input: unknown; started: number; secrets: Record<string, string> }): void {
    let output = JSON.stringify(outcome.output ?? null);
    if (Object.keys(meta.secrets).length) output = redactSecrets(output, meta.secrets);
    if (output.length > WORKFLOW_LIMITS.maxOutputBytes) {
      this.fail(token, node, attempt, new NodeFailure(`the output is ${output.length} bytes of JSON, more than the ${WORKFLOW_LIMITS.maxOutputBytes} a node may record`), meta.secrets);
      return;
    }
    const branch = outcome.branch ?? "next";
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("INSERT OR REPLACE INTO outputs (node, output) VALUES (?, ?)", node.id, output);
      if (outcome.vars && Object.values(outcome.vars).every(mergesAsPatch)) {
        // With no null and no object among the new values, SQLite's merge patch is the same shallow merge, without
        // reading and writing the run's whole variables in JavaScript.
        this.sql.exec("UPDATE run SET vars = json_patch(vars, ?), updated_at = ?", JSON.stringify(outcome.vars), Date.now());
      } else if (outcome.vars) {
        const vars = { ...parse<Record<string, unknown>>(this.sql.exec<{ vars: string }>("SELECT vars FROM run").one().vars), ...outcome.vars };
        this.sql.exec("UPDATE run SET vars = ?, updated_at = ?", JSON.stringify(vars), Date.now());
      } else this.touch();
      this.nodeState(node.id, outcome);
      this.messages(node.id, outcome.messages);
      // Spliced as text: the output is JSON already, so it is not parsed and written out again.
      const data = `{"input":${JSON.stringify(meta.input)},"output":${output},"branch":${JSON.stringify(branch)},"durationMs":${Date.now() - meta.started}${outcome.tokens ? `,"tokens":${JSON.stringify(outcome.tokens)}` : ""}}`;
      this.event(node.id, token.visit, "completed", attempt, data);
      this.sql.exec("DELETE FROM tokens WHERE id = ?", token.id);
      if (outcome.end) return this.finish("succeeded", output, null);
      this.follow(node.id, branch, output);
    });
  }

  /**
   * The next frontier: a token for each edge of `branch` out of `node` — or, when no edge names that branch (a
   * guardrail's "pass" where only "next" edges were drawn), each "next" edge; "error" never falls back. With no token
   * left anywhere, the run is done.
   */
  private follow(node: string, branch: string, output: string): void {
    const out = this.definition().definition.edges.filter((e) => e.from === node);
    const taken = out.some((e) => e.on === branch) || branch === "error" ? out.filter((e) => e.on === branch) : out.filter((e) => e.on === "next");
    let queued = false;
    for (const edge of taken) queued = this.enqueue(edge.to, output) || queued;
    // A token just queued means the run goes on: only a follow that queued none needs to count what is left.
    if (!queued) this.finishIfIdle(output);
  }

  /** No token left: the run succeeded with the last output. */
  private finishIfIdle(output: string): void {
    const left = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM tokens").one().n;
    if (left === 0) this.finish("succeeded", output, null);
  }

  private fail(token: TokenRow, node: WorkflowNode, attempt: number, err: unknown, secrets: Record<string, string>): void {
    const raw = err instanceof Error ? err.message : String(err);
    const message = redactSecrets(raw, secrets).slice(0, 2000);
    const retryable = !(err instanceof NodeFailure) || err.retryable;
    const retry = node.retry ?? { attempts: 1, backoffMs: 1000, factor: 2 };
    this.ctx.storage.transactionSync(() => {
      if (retryable && attempt < retry.attempts) {
        const delay = Math.round(retry.backoffMs * retry.factor ** (attempt - 1));
        this.sql.exec("UPDATE tokens SET state = 'waiting', wait_kind = 'retry', wake_at = ?, wait_message = ?, wake = NULL WHERE id = ?", this.now() + delay, `retry ${attempt + 1} of ${retry.attempts}`, token.id);
        this.nextDue = Math.min(this.nextDue, this.now() + delay);
        this.event(node.id, token.visit, "attempt_failed", attempt, { error: message, retryInMs: delay });
        return;
      }
      this.event(node.id, token.visit, "failed", attempt, { error: message });
      this.sql.exec("DELETE FROM tokens WHERE id = ?", token.id);
      const error = JSON.stringify({ node: node.id, message });
      if (node.onError === "continue" || node.onError === "branch") {
        const output = node.onError === "continue" ? "null" : JSON.stringify({ error: message });
        this.sql.exec("INSERT OR REPLACE INTO outputs (node, output) VALUES (?, ?)", node.id, output);
        const branch = node.onError === "continue" ? "next" : "error";
        this.follow(node.id, branch, output);
        return;
      }
      const handler = this.definition().definition.nodes.find((n) => n.type === "error_handler" && ((n.config as { catch?: string[] }).catch ?? [node.id]).includes(node.id) && n.id !== node.id);
      if (handler) {
        this.sql.exec("UPDATE run SET caught = ?", error);
        this.enqueue(handler.id, error);
      }
      else this.finish("failed", null, `node "${node.id}" failed: ${message}`);
    });
  }

  /** Ends the run (inside the caller's transaction); the registry and a parent run hear of it after commit. */
  private finish(status: RunStatus, output: string | null, error: string | null): void {
    this.sql.exec("DELETE FROM tokens");
    this.sql.exec("UPDATE run SET status = ?, output = ?, error = ?, updated_at = ?", status, output, error, Date.now());
    this.event(null, 0, "run_finished", 0, { status, ...(error ? { error } : {}) });
    this.notifyRegistry();
  }

  private notifyRegistry(): void {
    const run = this.row();
    if (!run) return;
    this.ctx.waitUntil(
      workflowRegistry(this.env, run.workflow)
        .runUpdated(run.id, run.status, Date.now())
        .catch(() => {}),
    );
  }

  /** A finished child tells its parent; the alarm repeats this until it got through (a crash may come between). */
  private async notifyParent(): Promise<void> {
    const run = this.row();
    if (!run?.parent || run.notified || !FINISHED.includes(run.status)) return;
    const parent = parse<{ run: string; key: string }>(run.parent);
    await workflowRun(this.env, parent.run).childFinished(parent.key, { run: run.id, status: run.status, ...(run.output !== null ? { output: parse(run.output) } : {}), ...(run.error ? { error: run.error } : {}) });
    this.sql.exec("UPDATE run SET notified = 1");
    await this.arm();
  }

  private async deliver(account: string, kind: string, data: unknown, none: string): Promise<{ ok: boolean; message: string }> {
    const run = this.row();
    if (!run || run.account !== account) return { ok: false, message: "not found" };
    if (FINISHED.includes(run.status)) return { ok: false, message: `the run has ${run.status}` };
    const token = this.sql.exec<TokenRow>("SELECT * FROM tokens WHERE state = 'waiting' AND wait_kind = ? ORDER BY id LIMIT 1", kind).toArray()[0];
    if (!token) return { ok: false, message: none };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE tokens SET state = 'ready', wake = ? WHERE id = ?", JSON.stringify({ kind: "event", event: kind, data } satisfies Wake), token.id);
      this.event(token.node, token.visit, "event", token.attempt, { event: kind.startsWith("child:") ? "child" : kind });
      // The run has left the wait in this very transaction: whoever reads it next (the approve answer) sees it
      // running, not the "waiting" that settleStatus would only correct at the end of the next pump.
      if (run.status !== "running") this.sql.exec("UPDATE run SET status = 'running', updated_at = ?", Date.now());
    });
    if (run.status !== "running") this.notifyRegistry();
    await this.arm();
    return { ok: true, message: "" };
  }
}

/**
 * One timer per slice, not per round: it can fire only when the slice lets the event loop run, which a round of
 * synchronous nodes never does, so the first time it fires the round in progress is waiting on I/O.
 */
class SliceTimer {
  fired = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private promise: Promise<false> | null = null;

  armed(): Promise<false> {
    this.promise ??= new Promise<false>((resolve) => {
      this.timer = setTimeout(() => {
        this.fired = true;
        resolve(false);
      }, 0);
    });
    return this.promise;
  }

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.promise = null;
    this.fired = false;
  }
}

/**
 * A new variable value that SQLite's json_patch sets exactly as `{ ...vars, ...update }` then JSON would: not null
 * (a patch deletes), not a plain object (a patch merges into it), not undefined or a non-finite number (JSON drops
 * or nulls those).
 */
function mergesAsPatch(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === "number") return Number.isFinite(value);
  return typeof value !== "object" || Array.isArray(value);
}

function toEvent(row: Row): TraceEvent {
  const data = parse<Record<string, unknown>>(row.data as string) ?? {};
  const { input, output, error, durationMs, tokens, branch, ...rest } = data;
  return {
    id: row.id as number,
    ts: row.ts as number,
    node: row.node as string | null,
    visit: row.visit as number,
    kind: row.kind as string,
    attempt: row.attempt as number,
    ...(input !== undefined ? { input } : {}),
    ...(output !== undefined ? { output } : {}),
    ...(error !== undefined ? { error: String(error) } : Object.keys(rest).length ? { output: rest } : {}),
    ...(typeof durationMs === "number" ? { durationMs } : {}),
    ...(tokens ? { tokens: tokens as { input: number; output: number } } : {}),
    ...(typeof branch === "string" ? { branch } : {}),
  };
}

type RunMethods = "start" | "info" | "trace" | "decide" | "reply" | "childFinished" | "cancel" | "retryFrom" | "advanceClock";

/** The run's object, typed by its methods' own signatures (RPC's structural types lose `unknown` payloads). */
export function workflowRun(env: PlatformEnv, runId: string): Rpc<WorkflowRun, RunMethods> {
  return env.WORKFLOW_RUN.get(env.WORKFLOW_RUN.idFromName(runId)) as unknown as Rpc<WorkflowRun, RunMethods>;
}
