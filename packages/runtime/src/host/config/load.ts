/** Finds, parses and validates `aerostack.toml`, turning TOML and schema errors into short, fixable messages. */
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { parse, TomlDate, TomlError } from "smol-toml";
import type { z } from "zod";
import { ProjectConfigSchema, type ProjectConfig } from "../../shared/config";
import { ConfigError, UserError } from "../errors";

export const CONFIG_FILE = "aerostack.toml";

export interface LoadedConfig {
  config: ProjectConfig;
  /** Absolute path of the config file. */
  file: string;
  /** The project root: the directory holding the config file. */
  root: string;
}

/** Reads `configPath` (relative to `cwd`) or `cwd/aerostack.toml` and validates it. */
export async function loadProjectConfig(options: { cwd: string; configPath?: string }): Promise<LoadedConfig> {
  const cwd = resolve(options.cwd);
  const file = resolve(cwd, options.configPath ?? CONFIG_FILE);
  const display = displayPath(cwd, file);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      const message =
        options.configPath === undefined ? `No ${CONFIG_FILE} was found in ${cwd}` : `No config file was found at ${display}`;
      throw new UserError(message, { hint: `Run \`aerostack init\` to create a project, or pass \`--config <path>\`.` });
    }
    if (code === "EISDIR") throw new UserError(`${display} is a directory, not a config file`, { hint: "Pass `--config <path>` to the file itself." });
    throw new UserError(`Cannot read ${display}: ${(err as Error).message}`, { cause: err });
  }
  return { config: parseProjectConfig(text, display), file, root: dirname(file) };
}

/** Parses and validates config text; `file` is only used in error messages. */
export function parseProjectConfig(text: string, file: string): ProjectConfig {
  let data: Record<string, unknown>;
  try {
    data = parse(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const reason = err.message.replace(/^Invalid TOML document:\s*/, "").split("\n")[0]?.trim() || "invalid TOML";
      throw new ConfigError(file, [`line ${err.line}, column ${err.column}: ${reason}`], { cause: err });
    }
    throw err;
  }
  // `compatibility_date = 2025-09-01` (unquoted) is a TOML date, not a string: accept it as the string it spells.
  const date = data["compatibility_date"];
  if (date instanceof TomlDate && date.isDate()) data["compatibility_date"] = date.toISOString();

  const result = ProjectConfigSchema.safeParse(data, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(file, result.error.issues.flatMap(formatIssue));
}

function displayPath(cwd: string, file: string): string {
  const rel = relative(cwd, file);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? file : rel;
}

// ---------------------------------------------------------------------------------------------
// Issue formatting

type Issue = z.core.$ZodIssue;

function formatIssue(issue: Issue): string[] {
  const path = keyPath(issue.path);
  if (issue.code === "unrecognized_keys") {
    const allowed = allowedKeysAt(issue.path);
    return issue.keys.map((key) => {
      const close = closest(key, allowed);
      const hint = close
        ? `did you mean "${keyPath([...issue.path, close])}"?`
        : allowed.length > 0
          ? `allowed keys${path === "" ? "" : ` in [${path}]`}: ${allowed.join(", ")}`
          : "remove it";
      return `unknown key "${keyPath([...issue.path, key])}"; ${hint}`;
    });
  }
  if (issue.code === "invalid_key") {
    // A bad record key (a var name): the key is already in the path, so say only what is wrong with it.
    const inner = issue.issues[0]?.message ?? "invalid name";
    return [`${path}: ${inner}`];
  }
  const where = path === "" ? "config" : path;
  // `params.hideInput`: the value may be an API key pasted into the file, which must never be echoed.
  const hidden = issue.code === "custom" && (issue.params as { hideInput?: boolean } | undefined)?.hideInput === true;
  if (issue.input === undefined || hidden) return [`${where}: ${issue.message}`];
  return [`${where}: ${issue.message}, got ${describe(issue.input)}`];
}

/** `dev.port`, `vars."MY KEY"`, `compatibility_flags[0]`. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      const bare = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      out += out === "" ? bare : `.${bare}`;
    }
  }
  return out;
}

/** A TOML-ish rendering of the value the user wrote, kept short. */
function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value);
  if (typeof value === "number") return Number.isNaN(value) ? "nan" : Number.isFinite(value) ? String(value) : value > 0 ? "inf" : "-inf";
  if (typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value instanceof TomlDate) return `the ${value.isDate() ? "date" : value.isTime() ? "time" : "date-time"} ${value.toISOString()}`;
  if (Array.isArray(value)) {
    const json = JSON.stringify(value);
    return json.length <= 40 ? json : `an array of ${value.length} items`;
  }
  if (value !== null && typeof value === "object") return "a table";
  return String(value);
}

/** The keys the schema allows in the table at `path` (walking through defaults to the object shapes). */
function allowedKeysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.core.$ZodType | undefined = ProjectConfigSchema;
  for (const segment of path) {
    const shape = objectShape(schema);
    // A table of named tables (`[ai.providers.<name>]`) or an array of tables: every entry has the same allowed keys.
    schema = shape ? shape[String(segment)] : recordValue(schema);
  }
  return Object.keys(objectShape(schema) ?? {});
}

function recordValue(schema: z.core.$ZodType | undefined): z.core.$ZodType | undefined {
  let current = schema;
  while (current) {
    const def = current._zod.def as { type: string; valueType?: z.core.$ZodType; element?: z.core.$ZodType; innerType?: z.core.$ZodType };
    if (def.type === "record") return def.valueType;
    // An array of tables (`[[members]]`): the index in the path leads to the element's keys.
    if (def.type === "array") return def.element;
    current = def.innerType;
  }
  return undefined;
}

function objectShape(schema: z.core.$ZodType | undefined): Record<string, z.core.$ZodType> | undefined {
  let current = schema;
  while (current) {
    const def = current._zod.def as { type: string; shape?: Record<string, z.core.$ZodType>; innerType?: z.core.$ZodType };
    if (def.type === "object") return def.shape;
    current = def.innerType; // default, prefault, optional: unwrap; anything else has none
  }
  return undefined;
}

/** The allowed key a typo most likely meant: same letters ignoring case, else edit distance <= 2. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    const distance = candidate.toLowerCase() === lower ? 0 : levenshtein(key, candidate);
    if (distance <= 2 && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
