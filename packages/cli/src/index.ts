/**
 * Entry point of the `aerostack` binary, built as one CommonJS bundle (dist/cli.cjs) with the runtime's host code
 * inside it, so that bin/aerostack.js can load it from a V8 code cache: Node 20 caches no ES module's compile.
 * Loading runs nothing; bin/aerostack.js calls `main` once the bundle is in.
 */
import { run } from "./program";

export async function main(): Promise<void> {
  const code = await run(process.argv.slice(2));
  // Long-running commands (dev) resolve only once stopped; everything is closed by then.
  process.exitCode = code;
}
