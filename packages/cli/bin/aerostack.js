#!/usr/bin/env node
// The aerostack command. The CLI is built to ../dist by `npm install` (prepare) or `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const built = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
if (!existsSync(built)) {
  process.stderr.write("✘ The aerostack CLI is not built yet.\n  → Run `npm install` (or `npm run build`) at the root of the aerostack repository.\n");
  process.exit(1);
}
await import(built);
