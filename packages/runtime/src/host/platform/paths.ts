/** Where the runtime's built artefacts live, found from the package itself so any caller (CLI, tests) agrees. */
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
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

/**
 * The `node_modules` folders the runtime's own dependencies resolve from (the CLI's copies of `@aerostack/runtime`,
 * `@modelcontextprotocol/sdk`, `zod`, …). Bundles fall back to them, so a project created with `--no-install` (or
 * offline) builds; the project's own installed packages still win, since esbuild tries these last.
 */
export function runtimeNodePaths(): string[] {
  const paths: string[] = [];
  for (let dir = runtimeRoot(), parent = dirname(dir); ; dir = parent, parent = dirname(dir)) {
    if (basename(dir) === "node_modules") paths.push(dir);
    else if (existsSync(join(dir, "node_modules"))) paths.push(join(dir, "node_modules"));
    if (parent === dir) return paths;
  }
}
