/** The `aerostack.toml` schema: keys, types and defaults (no Node APIs: the platform worker bundles it too). */
import { z } from "zod";

/** Project slugs: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;

const VAR_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATE_PATTERN = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;
const RESERVED_VARS: readonly string[] = ["DB", "CACHE", "QUEUE", "STORAGE", "AI", "VECTORIZE"];

/**
 * One message for every check on a field (type, range, format), phrased as what is expected;
 * the loader appends ", got <value>". A missing required key reads `required (<what>)`.
 */
function expected(what: string, example = what) {
  return { error: (issue: { input?: unknown }) => (issue.input === undefined ? `required (${example})` : `expected ${what}`) };
}

function int(min: number, max: number) {
  const e = expected(`an integer from ${min} to ${max}`);
  return z.int(e).min(min, e).max(max, e);
}

function nonEmptyString(what: string) {
  const e = expected(what);
  return z.string(e).min(1, e);
}

/** A `[name]` table; each use adds `.prefault({})` so a missing table still gets its keys' defaults. */
function table<T extends z.ZodRawShape>(name: string, shape: T) {
  return z.object(shape, expected(`a table ([${name}])`)).strict();
}

const slug = expected(
  'a lowercase slug: lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash',
  'a lowercase slug such as "hello"',
);

const varName = z
  .string()
  .regex(VAR_NAME_PATTERN, { error: "expected a name of letters, digits and underscores, not starting with a digit" })
  .refine((key) => !RESERVED_VARS.includes(key), {
    error: (issue) =>
      `"${String(issue.input)}" is reserved: ${RESERVED_VARS.join(", ")} are bindings the platform provides; rename the var`,
  });

export const ProjectConfigSchema = z
  .object({
    name: z.string(slug).regex(SLUG_PATTERN, slug),
    type: z.enum(["function", "mcp-server", "skill", "workflow", "workspace"], expected('one of "function", "mcp-server", "skill", "workflow", "workspace"')).default("function"),
    main: nonEmptyString("a path to the entry file, such as \"src/index.ts\"").default("src/index.ts"),
    compatibility_date: z.string(expected('a date string "YYYY-MM-DD"')).regex(DATE_PATTERN, expected('a date string "YYYY-MM-DD"')).default("2025-09-01"),
    compatibility_flags: z.array(z.string(expected("a string")), expected("an array of strings")).default([]),
    /** Names of secrets read from the environment in `aerostack dev` (values never live in this file). */
    secrets: z.array(varName, expected("an array of secret names")).default([]),
    vars: z
      .record(varName, z.union([z.string(), z.number(), z.boolean()], expected("a string, number or boolean")), expected("a table ([vars])"))
      .default({}),
    dev: table("dev", {
      port: int(1, 65535).default(8787),
      host: nonEmptyString("a host name or IP address").default("127.0.0.1"),
      persist_to: nonEmptyString("a directory path").default(".aerostack/state"),
    }).prefault({}),
    db: table("db", {
      migrations_dir: nonEmptyString("a directory path").default("migrations"),
    }).prefault({}),
    queue: table("queue", {
      max_retries: int(0, 100).default(3),
      max_batch_size: int(1, 100).default(10),
      /** Seconds; the base of the exponential backoff between retries. */
      retry_delay: z.number(expected("a number of seconds >= 0")).min(0, expected("a number of seconds >= 0")).default(1),
    }).prefault({}),
  }, expected("a table"))
  .strict();

export type ProjectConfig = z.output<typeof ProjectConfigSchema>;

/** The config `aerostack init` starts from: every default, under the given name. */
export function defaultConfig(name: string): ProjectConfig {
  return ProjectConfigSchema.parse({ name });
}
