/** Local secrets for `aerostack dev`: `.dev.vars` (dotenv syntax) plus the environment variables the config names. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { aiKeySecretNames, type ProjectConfig } from "../../shared/config";
import { UserError } from "../errors";

export const DEV_VARS_FILE = ".dev.vars";

/**
 * Parses dotenv syntax: `NAME=value`, `export NAME=value`, `#` comments, single quotes (literal), double quotes
 * (with \n, \t, \" and \\ escapes, may span lines), and unquoted values with trailing ` # comments` removed.
 * Errors name the line, never its value.
 */
export function parseDotenv(text: string, file = DEV_VARS_FILE): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      throw new UserError(`${file}, line ${i + 1}: expected NAME=value.`, { hint: "Names are letters, digits and underscores, e.g. OPENAI_API_KEY=sk-…" });
    }
    const name = match[1]!;
    let value = match[2]!;
    if (value.startsWith('"')) {
      // A double-quoted value may continue on the following lines until its closing quote.
      let raw = value.slice(1);
      let j = i;
      while (!/(^|[^\\])"\s*(#.*)?$/.test(raw) && j + 1 < lines.length) raw += `\n${lines[++j]!}`;
      const end = raw.search(/(?<!\\)"\s*(#.*)?$/);
      if (end < 0) throw new UserError(`${file}, line ${i + 1}: the double-quoted value of ${name} is never closed.`);
      value = raw.slice(0, end).replace(/\\([nt"\\])/g, (_m, c: string) => ({ n: "\n", t: "\t", '"': '"', "\\": "\\" })[c]!);
      i = j;
    } else if (value.startsWith("'")) {
      const end = value.indexOf("'", 1);
      if (end < 0) throw new UserError(`${file}, line ${i + 1}: the single-quoted value of ${name} is never closed.`);
      value = value.slice(1, end);
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[name] = value;
  }
  return out;
}

/**
 * The secrets `aerostack dev` gives the platform: every entry of `.dev.vars`, then each name listed in
 * `secrets = [...]` that is set in the environment (`.dev.vars` wins). The API key secrets of the built-in AI
 * providers and of those `[ai]` declares count as listed, so a key exported in CI reaches env.AI without repeating
 * its name.
 */
export async function readDevSecrets(root: string, config: ProjectConfig, environment: NodeJS.ProcessEnv = process.env): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of new Set([...config.secrets, ...aiKeySecretNames(config.ai)])) {
    const value = environment[name];
    if (value !== undefined) out[name] = value;
  }
  let text: string;
  try {
    text = await readFile(join(root, DEV_VARS_FILE), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw err;
  }
  return { ...out, ...parseDotenv(text) };
}
