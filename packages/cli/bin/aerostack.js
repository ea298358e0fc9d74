#!/usr/bin/env node
// The aerostack command. The CLI is built to ../dist by `npm install` (prepare) or `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// A Ctrl-C while the CLI is still loading (a few hundred milliseconds) is kept for the command, which stops quietly
// (dev, platform start) or re-raises it (src/core/signals.ts): without this Node would die of it mid-start-up.
const received = new Set();
const listener = (signal) => received.add(signal);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, listener);
process[Symbol.for("aerostack.earlySignals")] = { received, listener };

const built = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("✘ The aerostack CLI is not built yet.\n  → Run `npm install` (or `npm run build`) at the root of the aerostack repository.\n");
  process.exit(1);
}
await import(built);
