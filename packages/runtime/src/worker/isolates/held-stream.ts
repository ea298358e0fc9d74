/** A client's long-lived MCP stream, moved to the project's new version when its active version flips. */

/** How often a held stream checks for a flip; a map lookup in this isolate, except once per active-cache TTL. */
const CHECK_MS = 100;

const TICK = Symbol("tick");
const sleep = (ms: number) => new Promise<typeof TICK>((resolve) => setTimeout(() => resolve(TICK), ms));

export interface HeldStreamSource {
  /** Which isolate the stream comes from now (`version~secretsRev`). */
  key: string;
  /** The isolate that serves the project now, or null to keep the current one (no version, build failed). */
  currentKey(): Promise<string | null>;
  /** The same stream from the isolate named by `key`, or null when it cannot be re-opened there. */
  reopen(key: string): Promise<ReadableStream<Uint8Array> | null>;
  /** The client went away, or the stream ended for good. */
  onEnd(): void;
}

/**
 * Pipes `first` to the client and, when the project flips to another isolate, swaps in the stream re-opened there.
 * The flip is noticed on this request's own timers: a stream may only be written from the request that made it.
 */
export function holdStream(first: ReadableStream<Uint8Array>, source: HeldStreamSource): ReadableStream<Uint8Array> {
  let reader = first.getReader();
  let key = source.key;
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    source.onEnd();
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        for (;;) {
          pending ??= reader.read();
          const result = await Promise.race([pending, sleep(CHECK_MS)]);
          if (result !== TICK) {
            pending = undefined;
            if (result.done) {
              controller.close();
              end();
            } else controller.enqueue(result.value);
            return;
          }
          const next = await source.currentKey().catch(() => null);
          if (next === null || next === key) continue;
          const old = reader;
          const body = await source.reopen(next).catch(() => null);
          void old.cancel().catch(() => {});
          if (!body) {
            // The new version has no such session (or no MCP server): the client reconnects and finds out.
            controller.close();
            end();
            return;
          }
          reader = body.getReader();
          key = next;
          pending = undefined;
        }
      },
      cancel(reason) {
        void reader.cancel(reason).catch(() => {});
        end();
      },
    },
    { highWaterMark: 0 },
  );
}
