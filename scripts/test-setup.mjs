// Vitest global setup: rebuilds dist/ when a source changed since the last build, so that any test run
// (`npm test`, `npx vitest run <file>`) exercises the source beside it, not a stale bundle.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const BUILD = fileURLToPath(new URL("./build.mjs", import.meta.url));

export default function setup() {
  // A child process: esbuild's service and the build's memory stay out of the test runner.
  const result = spawnSync(process.execPath, [BUILD, "--if-stale"], { stdio: "inherit" });
  if (result.status !== 0) throw new Error(`scripts/build.mjs failed (exit ${result.status ?? result.signal}); its output is above`);
}
