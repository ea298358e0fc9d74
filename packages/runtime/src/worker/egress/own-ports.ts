/** The ports the platform itself listens on, as the host reports them; cached per platform isolate. */
import type { PlatformEnv } from "../env";

// A cache that is correct when empty (decision 9): a miss asks the host again. A failed ask is not kept.
let cached: Promise<number[]> | undefined;

/**
 * Under Miniflare the host answers `AEROSTACK_OWN_PORTS` once it is listening (its port is ephemeral, and
 * Miniflare's loopback server's port is only known then). On Cloudflare there is no such binding and no port of
 * ours to protect: the answer is empty.
 */
export function ownPorts(env: PlatformEnv): Promise<number[]> {
  const host = env.AEROSTACK_OWN_PORTS;
  if (!host) return Promise.resolve([]);
  cached ??= host
    .fetch("http://host.internal/own-ports")
    .then(async (res) => {
      if (!res.ok) throw new Error(`the host answered ${res.status}`);
      const body = (await res.json()) as { ports: number[] };
      return body.ports;
    })
    .catch((err: unknown) => {
      cached = undefined;
      throw err;
    });
  return cached;
}
