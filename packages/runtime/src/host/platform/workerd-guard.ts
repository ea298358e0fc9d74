/** Makes Miniflare start workerd through workerd-guard.sh, so workerd dies with its host (even a SIGKILLed one). */
import { accessSync, constants } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { runtimeRoot } from "./paths";

/** Set on the host (and inherited by its children): the real binary the guard execs. */
const REAL_BINARY_VAR = "AEROSTACK_WORKERD_BINARY";

export function workerdGuardPath(): string {
  return join(runtimeRoot(), "src/host/platform/workerd-guard.sh");
}

/**
 * Points Miniflare at the guard (it reads MINIFLARE_WORKERD_PATH when it spawns workerd). A workerd path the user set
 * stays the binary that runs. Linux only, since the guard reads /proc; elsewhere a killed host's workerd is still
 * reaped by the next start (liveLock). A guard that cannot run (no exec bit after an unusual install) is skipped
 * rather than breaking start-up.
 */
export function guardWorkerd(): void {
  if (process.platform !== "linux") return;
  const guard = workerdGuardPath();
  if (process.env.MINIFLARE_WORKERD_PATH === guard) return;
  try {
    accessSync(guard, constants.X_OK);
  } catch {
    return;
  }
  const miniflareRequire = createRequire(createRequire(import.meta.url).resolve("miniflare"));
  process.env[REAL_BINARY_VAR] = process.env.MINIFLARE_WORKERD_PATH ?? (miniflareRequire("workerd") as { default: string }).default;
  process.env.MINIFLARE_WORKERD_PATH = guard;
}
