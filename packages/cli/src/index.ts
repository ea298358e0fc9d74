/**
 * Entry point of the `aerostack` binary, built as one CommonJS bundle (dist/cli.cjs) with the runtime's host code
 * inside it, so that bin/aerostack.js can load it from a V8 code cache: Node 20 caches no ES module's compile.
 * Loading runs nothing; bin/aerostack.js calls `main` once the bundle is in.
 */
import { run } from "./program";

export async function main(): Promise<void> {
  // A reader that closes early (`aerostack workflow logs RUN | head`) leaves nothing to write to: stop quietly, as a
  // shell's SIGPIPE would, rather than die of an unhandled EPIPE with a stack trace. workerd, if dev started one,
  // stops with this process (its guard watches its parent).
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(0);
      throw err;
    });
  }
  const code = await run(process.argv.slice(2));
  // Long-running commands (dev) resolve only once stopped; everything is closed by then.
  process.exitCode = code;
}
