/** Signals that arrive while the CLI is still loading, kept by bin/aerostack.js until the command can act on them. */

/** What bin/aerostack.js leaves on `process` (it runs before any of this code has loaded). */
interface EarlySignals {
  received: Set<NodeJS.Signals>;
  listener: (signal: NodeJS.Signals) => void;
}

const KEY = Symbol.for("aerostack.earlySignals");

/**
 * Hands signals received so far to `handler` and stops keeping them. Without a handler (commands that do not stop
 * gracefully) a kept signal is re-raised with Node's default action, so it ends the process as it would have.
 */
export function adoptEarlySignals(handler?: (signal: NodeJS.Signals) => void): void {
  const early = (process as unknown as Record<symbol, EarlySignals | undefined>)[KEY];
  if (!early) return;
  (process as unknown as Record<symbol, EarlySignals | undefined>)[KEY] = undefined;
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.removeListener(signal, early.listener);
  for (const signal of early.received) {
    if (handler) handler(signal);
    else process.kill(process.pid, signal);
  }
}
