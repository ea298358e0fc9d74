/** Start-up steps that give way to Ctrl-C: a pending step rejects with StartupAborted the moment the signal aborts. */
import { StartupAborted } from "../errors";

/** Throws StartupAborted if the signal has aborted (between steps that cannot be interrupted). */
export function stopIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new StartupAborted();
}

/**
 * `step`, or StartupAborted as soon as `signal` aborts. The step itself keeps running: its owner disposes what it
 * started (the caller's cleanup), and its eventual rejection is swallowed so it never surfaces as unhandled.
 */
export function untilAborted<T>(step: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return step;
  stopIfAborted(signal);
  step.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new StartupAborted());
    signal.addEventListener("abort", onAbort, { once: true });
    step.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
