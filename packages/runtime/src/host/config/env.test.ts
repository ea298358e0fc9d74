/** `[env.<name>]` tables: schema errors, the merge (vars key by key, everything else whole), and `--env` checks. */
import { describe, expect, it } from "vitest";
import { ConfigError, UsageError } from "../errors";
import { parseProjectConfig } from "./load";
import { configFor, definedEnvs, resolveEnvName } from "./env";
import { deploymentSettings } from "../project/project";

const BASE = `
name = "shop"
compatibility_date = "2025-09-01"
secrets = ["STRIPE_KEY"]

[vars]
GREETING = "hi"
MODE = "dev"

[queue]
max_retries = 7
max_batch_size = 20

[[vectorize]]
index = "docs"
dimensions = 384
metric = "cosine"
`;

function issues(text: string): string[] {
  try {
    parseProjectConfig(text, "aerostack.toml");
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).issues];
  }
  throw new Error("expected a ConfigError");
}

describe("[env.<name>] schema", () => {
  it("parses every overridable key and keeps only what is written", () => {
    const config = parseProjectConfig(
      `${BASE}
[env.staging]
compatibility_date = "2025-10-01"
compatibility_flags = ["nodejs_compat"]
secrets = ["STRIPE_KEY", "SENTRY_DSN"]

[env.staging.vars]
MODE = "staging"

[env.staging.queue]
max_retries = 1

[[env.staging.vectorize]]
index = "docs-staging"
dimensions = 384
metric = "cosine"

[env.staging.ai]
default_model = "openai:gpt-4o-mini"
`,
      "aerostack.toml",
    );
    expect(config.env?.staging).toMatchObject({
      compatibility_date: "2025-10-01",
      compatibility_flags: ["nodejs_compat"],
      secrets: ["STRIPE_KEY", "SENTRY_DSN"],
      vars: { MODE: "staging" },
      queue: { max_retries: 1, max_batch_size: 10, retry_delay: 1 },
      vectorize: [{ binding: "VECTORIZE", index: "docs-staging", dimensions: 384, metric: "cosine" }],
      ai: { default_model: "openai:gpt-4o-mini" },
    });
    expect(Object.keys(parseProjectConfig(`${BASE}\n[env.qa]\n`, "aerostack.toml").env?.qa ?? {})).toEqual([]);
  });

  it("a config without [env] tables has no env key (parses as before)", () => {
    expect(parseProjectConfig(BASE, "aerostack.toml")).not.toHaveProperty("env");
  });

  it("names file, key path and what was expected", () => {
    expect(issues(`${BASE}\n[env.Staging]\n`)).toEqual([expect.stringMatching(/^env\.Staging: .*environment name/)]);
    expect(issues(`${BASE}\n[env.staging]\nvras = {}\n`)).toEqual(['unknown key "env.staging.vras"; did you mean "env.staging.vars"?']);
    expect(issues(`${BASE}\n[env.staging]\ndev = { port = 1 }\n`)[0]).toMatch(/unknown key "env\.staging\.dev"; allowed keys in \[env\.staging\]: compatibility_date, .*vars/);
    expect(issues(`${BASE}\n[env.staging]\ncompatibility_date = "soon"\n`)).toEqual(['env.staging.compatibility_date: expected a date string "YYYY-MM-DD", got "soon"']);
    expect(issues(`${BASE}\n[env.staging.queue]\nmax_retries = -1\n`)).toEqual(["env.staging.queue.max_retries: expected an integer from 0 to 100, got -1"]);
    expect(issues(`env = 3\n${BASE}`)[0]).toMatch(/^env: expected tables of environments/);
  });

  it("checks cross-key rules on each merged environment, without repeating the top level's", () => {
    // A var in the environment that takes the name of a top-level [[vectorize]] binding.
    expect(issues(`${BASE}\n[env.staging.vars]\nVECTORIZE_X = 1\n[[env.staging.vectorize]]\nbinding = "MODE"\nindex = "d"\ndimensions = 3\nmetric = "cosine"\n`)).toEqual([
      'env.staging.vectorize[0].binding: "MODE" is also a var in [vars]; rename one of them',
    ]);
    // An AI key pasted into an environment's vars is refused without echoing it.
    const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";
    const found = issues(`${BASE}\n[env.staging.vars]\nOPENAI = "${key}"\n`);
    expect(found).toEqual([expect.stringMatching(/^env\.staging\.vars\.OPENAI: this looks like an API key/)]);
    expect(found.join("")).not.toContain(key);
  });
});

describe("configFor (merge)", () => {
  const config = parseProjectConfig(
    `${BASE}
[env.staging]
secrets = ["SENTRY_DSN"]
[env.staging.vars]
MODE = "staging"
EXTRA = true
[env.staging.queue]
max_retries = 1

[env.production.vars]
MODE = "prod"
`,
    "aerostack.toml",
  );

  it("merges vars key by key, the environment's value winning", () => {
    expect(configFor(config, "staging").vars).toEqual({ GREETING: "hi", MODE: "staging", EXTRA: true });
  });

  it("replaces tables and lists whole: unwritten queue keys take the defaults, not the top level's", () => {
    const staging = configFor(config, "staging");
    expect(staging.queue).toEqual({ max_retries: 1, max_batch_size: 10, retry_delay: 1 });
    expect(staging.secrets).toEqual(["SENTRY_DSN"]);
    // Not overridden: the top level's.
    expect(staging.vectorize).toEqual(config.vectorize);
    expect(staging.compatibility_date).toBe("2025-09-01");
    expect(staging).not.toHaveProperty("env");
  });

  it("production is the top level, plus [env.production] when written", () => {
    expect(configFor(config, "production").vars).toEqual({ GREETING: "hi", MODE: "prod" });
    expect(configFor(config, "production").queue).toEqual(config.queue);
    expect(deploymentSettings(configFor(config, "staging")).vars).toEqual({ GREETING: "hi", MODE: "staging", EXTRA: true });
  });
});

describe("resolveEnvName", () => {
  const config = parseProjectConfig(`${BASE}\n[env.staging]\n[env.preview]\n`, "aerostack.toml");

  it("defaults to production, which needs no table", () => {
    expect(resolveEnvName(config, undefined)).toBe("production");
    expect(resolveEnvName(config, "production")).toBe("production");
    expect(resolveEnvName(config, "staging")).toBe("staging");
    expect(definedEnvs(config)).toEqual(["production", "staging", "preview"]);
  });

  it("an environment the file does not define is a usage error (exit 2) listing the defined ones", () => {
    let err: unknown;
    try {
      resolveEnvName(config, "stagin");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toContain('Unknown environment "stagin"');
    expect((err as UsageError).hint).toContain("production, staging, preview");
    expect(() => resolveEnvName(config, "Bad_Name")).toThrow(UsageError);
  });
});
