/**
 * `deploy`'s body from the files an agent sends. Bundling (esbuild, npm packages) needs the host, which a platform
 * worker does not have: `aerostack deploy` bundles there. What the worker can do alone is deploy code that needs no
 * bundling — an already-bundled module (`code`), or one self-contained JavaScript module among `files` (no imports),
 * with aerostack.toml's compatibility_date and migrations/*.sql, as `aerostack deploy` would send them.
 */
import type * as z from "zod/mini";
import { HttpError } from "../http/http-error";
import type { DeployBody, PlatformMcpInputs } from "../../shared/api";

const DEFAULT_COMPATIBILITY_DATE = "2025-09-01";

export function bundleInWorker(input: z.output<typeof PlatformMcpInputs.deploy>): DeployBody {
  const files = input.files ?? [];
  const byPath = new Map(files.map((f) => [f.path.replace(/^\.\//, ""), f.content]));
  const toml = byPath.get("aerostack.toml") ?? "";
  const compatibilityDate = input.compatibilityDate ?? /^compatibility_date\s*=\s*"(\d{4}-\d{2}-\d{2})"/m.exec(toml)?.[1] ?? DEFAULT_COMPATIBILITY_DATE;
  const migrations = [...byPath.entries()]
    .filter(([path]) => /^migrations\/[^/]+\.sql$/.test(path))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([path, sql]) => ({ name: path.slice("migrations/".length), sql }));
  const base = { version: input.version ?? `mcp-${Date.now()}`, settings: { compatibilityDate }, migrations, ...(input.message ? { message: input.message } : {}) };
  if (input.code !== undefined) return { ...base, code: input.code };
  if (files.length === 0) throw new HttpError("invalid_body", "deploy needs `code` (a bundled module) or `files`");
  const main = /^main\s*=\s*"([^"]+)"/m.exec(toml)?.[1]?.replace(/^\.\//, "");
  const scripts = [...byPath.keys()].filter((p) => /\.(m?js|ts|mts)$/.test(p) && !/(^|\/)(test|tests)\/|\.test\.|vitest\.config/.test(p));
  const entry = main ?? (scripts.length === 1 ? scripts[0] : ["src/index.js", "index.js", "src/index.ts"].find((p) => byPath.has(p)));
  if (!entry || !byPath.has(entry)) throw new HttpError("invalid_body", `no entry module among the files${main ? ` (aerostack.toml names ${main})` : ""}: send src/index.js, or name it with main = "…"`);
  const code = byPath.get(entry)!;
  const needsHost = /\.(ts|mts)$/.test(entry) ? "it is TypeScript" : /^\s*import\s[^(]|^\s*export\s[^;]*\sfrom\s|\brequire\(|\bimport\(/m.test(code) ? "it imports other modules" : null;
  if (needsHost) {
    throw new HttpError(
      "invalid_body",
      `${entry} needs bundling (${needsHost}), which runs on the host, not in the platform: run \`aerostack deploy\` in the project, or bundle it (\`aerostack build\`) and pass the result as \`code\``,
    );
  }
  return { ...base, code };
}
