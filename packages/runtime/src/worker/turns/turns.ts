/**
 * Turns: how the background work of one isolate (workflow run slices, bot chats' work after the ack) shares its
 * thread with the requests it serves (functions, the gateway, bot webhooks: the router counts them as foreground).
 *
 * Why: a run's transitions are synchronous SQLite work, and workerd only reads new sockets when nothing else is
 * queued. Ten runs that each yield on a timer wake together and queue ten slices between two socket polls, so a
 * function request waited behind all of them (its p95 went from 2 to 42 ms). Here at most one run holds the turn
 * at a time; it gives the turn up after a short slice (or as soon as it waits on real I/O) and the next run starts
 * only after a timer, so the event loop polls sockets between any two slices. While a foreground request (a function,
 * the gateway) is being served, no slice starts; as the last one ends, one slice goes (even if the next request came
 * meanwhile), and no slice is held back longer than `maxForegroundWaitMs`, so runs are never starved.
 *
 * Scope: module state is per isolate. In local workerd (`aerostack dev`, `platform start`) the router and every
 * WorkflowRun share the one isolate, so this is one scheduler for the platform. On Cloudflare an object runs in its
 * own isolate, away from the router: the foreground count stays 0 and the queue holds only the runs that happen to
 * share an isolate, so it degrades to the old per-run yield, which is all a shared isolate needs there.
 */

export interface TurnClock {
  /** Resolves after `ms` on a real timer (never a microtask): the event loop polls sockets before it fires. */
  sleep(ms: number): Promise<void>;
  now(): number;
}

const realClock: TurnClock = {
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  now: () => Date.now(),
};

export interface TurnOptions {
  /** Rounds a run may do in one slice when no other run waits and no foreground request came lately. */
  soloRounds: number;
  /** How long after a foreground request slices stay short (a function's traffic comes in bursts). */
  foregroundQuietMs: number;
  /** Rounds per slice while other runs wait: small, since a new request waits for the slice in progress. */
  sharedRounds: number;
  /** The longest a slice is held back for foreground requests. */
  maxForegroundWaitMs: number;
}

export const TURN_DEFAULTS: TurnOptions = { soloRounds: 16, sharedRounds: 2, maxForegroundWaitMs: 50, foregroundQuietMs: 200 };

/** One isolate's scheduler (a module-level instance below serves the platform; tests make their own). */
export class Turns {
  private inFlight = 0;
  private lastForeground = -Infinity;
  private held = false;
  private readonly queue: (() => void)[] = [];
  /** The turn's holder, held back until the foreground requests are done. */
  private readonly idle: (() => void)[] = [];

  constructor(
    private readonly clock: TurnClock = realClock,
    readonly options: TurnOptions = TURN_DEFAULTS,
  ) {}

  /** Runs `work` as a foreground request: while it is in flight, no run starts a slice. */
  async foreground<T>(work: () => Promise<T> | T): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      // The last one out wakes the held-back slice at once, instead of it finding out on its next look.
      this.lastForeground = this.clock.now();
      if (--this.inFlight === 0) for (const wake of this.idle.splice(0)) wake();
    }
  }

  get foregroundInFlight(): number {
    return this.inFlight;
  }

  /** Slices waiting for the foreground requests to end (at most one: only the turn's holder waits for them). */
  get heldBack(): number {
    return this.idle.length;
  }

  /** Rounds the current holder may do before it gives the turn up. */
  sliceRounds(): number {
    const quiet = this.inFlight === 0 && this.clock.now() - this.lastForeground >= this.options.foregroundQuietMs;
    return this.queue.length > 0 || !quiet ? this.options.sharedRounds : this.options.soloRounds;
  }

  /**
   * Waits for the turn: after the previous holder, after a timer (so sockets are polled first), and after the
   * foreground requests in flight (bounded). The caller must `release()` it.
   */
  async take(): Promise<void> {
    if (this.held) await new Promise<void>((resolve) => this.queue.push(resolve));
    // Handed over (or free): it is ours now. A timer first, so the requests that came meanwhile are read.
    this.held = true;
    await this.clock.sleep(0);
    const since = this.clock.now();
    for (;;) {
      const left = this.options.maxForegroundWaitMs - (this.clock.now() - since);
      if (this.inFlight === 0 || left <= 0) return;
      let wake!: () => void;
      const woken = await Promise.race([new Promise<boolean>((resolve) => this.idle.push((wake = () => resolve(true)))), this.clock.sleep(left).then(() => false)]);
      if (!woken) {
        // The bound passed first: forget this wake-up, or under traffic that never pauses they would pile up.
        this.idle.splice(this.idle.indexOf(wake), 1);
        continue;
      }
      // Woken as the last request's handler returned: a timer more, so its response is written out first; then the
      // slice goes even if the next request came meanwhile (it waits for this one slice), so runs move on between
      // any two requests instead of only in gaps a busy client hardly leaves.
      await this.clock.sleep(0);
      return;
    }
  }

  /** Gives the turn to the next waiting run, or frees it. */
  release(): void {
    const next = this.queue.shift();
    if (next) next();
    else this.held = false;
  }
}

/** The isolate's scheduler: shared by the router (foreground) and every WorkflowRun in the isolate. */
export const turns = new Turns();
