/** Where the runtime's built artefacts live, found from the package itself so any caller (CLI, tests) agrees. */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { UserError } from "../errors";

const require = createRequire(import.meta.url);

export function runtimeRoot(): string {
  return dirname(require.resolve("@aerostack/runtime/package.json"));
}

/** The built platform worker; `npm install` (prepare) and `npm test` build it. */
export function platformScriptPath(): string {
  const path = join(runtimeRoot(), "dist/worker/platform.js");
  if (!existsSync(path)) {
    throw new UserError(`The platform worker is not built (${path} is missing).`, {
      hint: "Run `npm run build` at the root of the aerostack repository.",
    });
  }
  return path;
}
