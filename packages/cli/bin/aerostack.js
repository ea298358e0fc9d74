#!/usr/bin/env node
// The aerostack command. The CLI is built to ../dist by `npm install` (prepare) or `npm run build`.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// A Ctrl-C while the CLI is still loading (a few hundred milliseconds) is kept for the command, which stops quietly
// (dev, platform start) or re-raises it (src/core/signals.ts): without this Node would die of it mid-start-up.
const received = new Set();
const listener = (signal) => received.add(signal);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, listener);
process[Symbol.for("aerostack.earlySignals")] = { received, listener };

const built = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("✘ The aerostack CLI is not built yet.\n  → Run `npm install` (or `npm run build`) at the root of the aerostack repository.\n");
  process.exit(1);
}

// The bundle's `import()` of the MCP SDK and the prompts comes here (code from a cache cannot call it itself; see
// the runtime's src/host/startup/esm-import.ts); these packages resolve from this package, as the bundle's would.
globalThis[Symbol.for("aerostack.import")] = (specifier) => import(specifier);

// Loaded from a V8 code cache (Node 20 caches no compile itself): start-up time is a goal. Loading runs nothing, so
// a cache that cannot be used falls back to a plain require without running any command twice.
let cli;
try {
  const { requireCached } = await import("@aerostack/runtime/code-cache");
  cli = requireCached(built, built, "cli");
} catch {
  cli = createRequire(import.meta.url)(built);
}
await cli.main();
