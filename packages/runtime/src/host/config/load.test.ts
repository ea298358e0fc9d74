/** Tests for `aerostack.toml` parsing, validation messages and file loading. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, SLUG_PATTERN } from "../../shared/config";
import { ConfigError, UserError } from "../errors";
import { CONFIG_FILE, loadProjectConfig, parseProjectConfig } from "./load";

/** Parses `text` expecting a ConfigError and returns it. */
function configError(text: string, file = "aerostack.toml"): ConfigError {
  try {
    parseProjectConfig(text, file);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected parseProjectConfig to throw");
}

const FULL = `
name = "my-api"
type = "mcp-server"
main = "src/server.ts"
compatibility_date = "2025-10-15"
compatibility_flags = ["nodejs_compat"]
secrets = ["STRIPE_KEY"]

[vars]
GREETING = "hi"
LIMIT = 5
DEBUG = true

[dev]
port = 9000
host = "0.0.0.0"
persist_to = ".state"

[db]
migrations_dir = "db/migrations"

[queue]
max_retries = 5
max_batch_size = 20
retry_delay = 2.5
`;

describe("parseProjectConfig", () => {
  it("fills every default for a minimal config", () => {
    expect(parseProjectConfig('name = "hello"\n', CONFIG_FILE)).toEqual({
      name: "hello",
      type: "function",
      main: "src/index.ts",
      compatibility_date: "2025-09-01",
      compatibility_flags: [],
      secrets: [],
      vars: {},
      dev: { port: 8787, host: "127.0.0.1", persist_to: ".aerostack/state" },
      db: { migrations_dir: "migrations" },
      queue: { max_retries: 3, max_batch_size: 10, retry_delay: 1 },
    });
  });

  it("matches defaultConfig for a name-only config", () => {
    expect(parseProjectConfig('name = "hello"', CONFIG_FILE)).toEqual(defaultConfig("hello"));
  });

  it("fills defaults inside a partially written table", () => {
    const config = parseProjectConfig('name = "a"\n[dev]\nport = 3000\n', CONFIG_FILE);
    expect(config.dev).toEqual({ port: 3000, host: "127.0.0.1", persist_to: ".aerostack/state" });
  });

  it("reads a full config", () => {
    expect(parseProjectConfig(FULL, CONFIG_FILE)).toEqual({
      name: "my-api",
      type: "mcp-server",
      main: "src/server.ts",
      compatibility_date: "2025-10-15",
      compatibility_flags: ["nodejs_compat"],
      secrets: ["STRIPE_KEY"],
      vars: { GREETING: "hi", LIMIT: 5, DEBUG: true },
      dev: { port: 9000, host: "0.0.0.0", persist_to: ".state" },
      db: { migrations_dir: "db/migrations" },
      queue: { max_retries: 5, max_batch_size: 20, retry_delay: 2.5 },
    });
  });

  it("accepts an unquoted TOML date as compatibility_date", () => {
    expect(parseProjectConfig('name = "a"\ncompatibility_date = 2025-10-15\n', CONFIG_FILE).compatibility_date).toBe("2025-10-15");
  });

  it("names the line and column of a TOML syntax error", () => {
    const err = configError('name = "hello"\n[dev]\nport = = 3\n');
    expect(err.file).toBe("aerostack.toml");
    expect(err.issues).toHaveLength(1);
    expect(err.issues[0]).toMatch(/^line 3, column \d+: \S/);
    expect(err.message).toContain("Invalid aerostack.toml:");
    expect(err.message).toContain("line 3, column");
    // The reason only: no code frame, no stack.
    expect(err.issues[0]).not.toContain("\n");
    expect(err.issues[0]).not.toContain("Invalid TOML document");
  });

  it("names the key path, the expectation and the value for a wrong type", () => {
    const err = configError('name = "hello"\n[dev]\nport = "abc"\n');
    expect(err.issues).toEqual(['dev.port: expected an integer from 1 to 65535, got "abc"']);
  });

  it("reports out-of-range and non-integer numbers with the same expectation", () => {
    expect(configError('name = "a"\n[dev]\nport = 70000\n').issues).toEqual(["dev.port: expected an integer from 1 to 65535, got 70000"]);
    expect(configError('name = "a"\n[queue]\nmax_retries = 1.5\n').issues).toEqual(["queue.max_retries: expected an integer from 0 to 100, got 1.5"]);
    expect(configError('name = "a"\n[queue]\nretry_delay = -1\n').issues).toEqual(["queue.retry_delay: expected a number of seconds >= 0, got -1"]);
  });

  it("lists every problem, one line each, without zod jargon", () => {
    const err = configError('name = "a"\ntype = "fn"\ncompatibility_date = "Sept 1"\ncompatibility_flags = ["x", 3]\ndev = 5\n');
    expect(err.issues).toEqual([
      'type: expected one of "function", "mcp-server", "skill", "workflow", "workspace", "bot", got "fn"',
      'compatibility_date: expected a date string "YYYY-MM-DD", got "Sept 1"',
      "compatibility_flags[1]: expected a string, got 3",
      "dev: expected a table ([dev]), got 5",
    ]);
    expect(err.message).not.toMatch(/invalid_type|invalid_value|Invalid input|received/);
  });

  it("says a missing name is required", () => {
    expect(configError('main = "src/index.ts"\n').issues).toEqual(['name: required (a lowercase slug such as "hello")']);
  });

  it("explains the slug rule for a bad name", () => {
    const [issue] = configError('name = "My_App"\n').issues;
    expect(issue).toMatch(/^name: expected a lowercase slug/);
    expect(issue).toContain("lowercase letters, digits and dashes, 1-32 characters, no leading or trailing dash");
    expect(issue).toMatch(/got "My_App"$/);
    expect(configError('name = "-api"\n').issues[0]).toMatch(/^name: expected a lowercase slug.*got "-api"$/);
    expect(configError(`name = "${"a".repeat(33)}"\n`).issues[0]).toMatch(/^name: expected a lowercase slug/);
  });

  it("suggests the intended key for an unknown top-level key", () => {
    expect(configError('name = "a"\nmian = "src/index.ts"\n').issues).toEqual(['unknown key "mian"; did you mean "main"?']);
    expect(configError('name = "a"\ncompatibilityDate = "2025-09-01"\n').issues).toEqual([
      'unknown key "compatibilityDate"; did you mean "compatibility_date"?',
    ]);
    expect(configError('name = "a"\nNAME = "b"\n').issues).toEqual(['unknown key "NAME"; did you mean "name"?']);
  });

  it("suggests the intended key for an unknown nested key", () => {
    expect(configError('name = "a"\n[dev]\nprot = 3000\n').issues).toEqual(['unknown key "dev.prot"; did you mean "dev.port"?']);
    expect(configError('name = "a"\n[queue]\nmaxRetries = 2\n').issues).toEqual(['unknown key "queue.maxRetries"; did you mean "queue.max_retries"?']);
  });

  it("lists the allowed keys when nothing is close", () => {
    expect(configError('name = "a"\n[dev]\nwatch = true\n').issues).toEqual(['unknown key "dev.watch"; allowed keys in [dev]: port, host, persist_to']);
    const [top] = configError('name = "a"\nroutes = []\n').issues;
    // The list grows with every new section; what matters is that it is the top level's list.
    expect(top).toMatch(/^unknown key "routes"; allowed keys: name, type, main, (?:version, )?compatibility_date, compatibility_flags, .*\bvars\b.*\bdev\b.*\bqueue\b/);
  });

  it("rejects reserved var names, naming the bindings", () => {
    const [issue] = configError('name = "a"\n[vars]\nDB = "x"\n').issues;
    expect(issue).toMatch(/^vars\.DB: "DB" is reserved/);
    expect(issue).toContain("DB, CACHE, QUEUE, STORAGE, AI, VECTORIZE are bindings the platform provides");
  });

  it("rejects var names that are not identifiers and var values that are not scalars", () => {
    const err = configError('name = "a"\n[vars]\n"MY-VAR" = "x"\nLIST = [1, 2]\n');
    expect(err.issues).toContain("vars.MY-VAR: expected a name of letters, digits and underscores, not starting with a digit");
    expect(err.issues).toContain("vars.LIST: expected a string, number or boolean, got [1,2]");
  });

  it("uses the file name it is given in the message", () => {
    const err = configError("name = 1\n", "config/staging.toml");
    expect(err.file).toBe("config/staging.toml");
    expect(err.message.split("\n")[0]).toBe("Invalid config/staging.toml:");
  });
});

describe("SLUG_PATTERN", () => {
  it("accepts 1-32 character slugs without edge dashes", () => {
    for (const ok of ["a", "hello", "my-api-2", "a".repeat(32)]) expect(SLUG_PATTERN.test(ok)).toBe(true);
    for (const bad of ["", "-a", "a-", "A", "a_b", "a".repeat(33), "a b"]) expect(SLUG_PATTERN.test(bad)).toBe(false);
  });
});

describe("loadProjectConfig", () => {
  const dirs: string[] = [];
  async function tempDir(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "aerostack-config-"));
    dirs.push(dir);
    return dir;
  }
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it("loads aerostack.toml from cwd and returns the file and root", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, CONFIG_FILE), 'name = "hello"\n[dev]\nport = 9999\n');
    const loaded = await loadProjectConfig({ cwd: dir });
    expect(loaded.file).toBe(join(dir, CONFIG_FILE));
    expect(loaded.root).toBe(dir);
    expect(loaded.config.name).toBe("hello");
    expect(loaded.config.dev.port).toBe(9999);
    expect(loaded.config.main).toBe("src/index.ts");
  });

  it("resolves --config relative to cwd; root is the file's directory", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "app"));
    await writeFile(join(dir, "app", "custom.toml"), 'name = "custom"\n');
    const loaded = await loadProjectConfig({ cwd: dir, configPath: "app/custom.toml" });
    expect(loaded.file).toBe(join(dir, "app", "custom.toml"));
    expect(loaded.root).toBe(join(dir, "app"));
    expect(loaded.config.name).toBe("custom");
  });

  it("throws a UserError with a hint when there is no config", async () => {
    const dir = await tempDir();
    const err = await loadProjectConfig({ cwd: dir }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    expect(err).not.toBeInstanceOf(ConfigError);
    expect((err as UserError).message).toBe(`No aerostack.toml was found in ${dir}`);
    expect((err as UserError).hint).toContain("aerostack init");
    expect((err as UserError).hint).toContain("--config <path>");
  });

  it("names a missing --config path", async () => {
    const dir = await tempDir();
    await expect(loadProjectConfig({ cwd: dir, configPath: "nope.toml" })).rejects.toThrow("No config file was found at nope.toml");
  });

  it("reports errors with the path relative to cwd", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "app"));
    await writeFile(join(dir, "app", CONFIG_FILE), 'name = "hello"\n[dev]\nport = "abc"\n');
    const err = await loadProjectConfig({ cwd: dir, configPath: join("app", CONFIG_FILE) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(join("app", CONFIG_FILE));
    expect((err as ConfigError).message).toBe(`Invalid ${join("app", CONFIG_FILE)}:\n  - dev.port: expected an integer from 1 to 65535, got "abc"`);
  });
});
