/** Entry point of the `aerostack` binary. */
import { run } from "./program";

const code = await run(process.argv.slice(2));
// Long-running commands (dev) resolve only once stopped; everything is closed by then.
process.exitCode = code;
