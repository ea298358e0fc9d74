import { describe, expect, it } from "vitest";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDotenv, readDevSecrets } from "./secrets";
import { defaultConfig } from "../../shared/config";

describe(".dev.vars", () => {
  it("parses dotenv syntax", () => {
    const text = [
      "# comment",
      "PLAIN=abc # trailing comment",
      "export EXPORTED=1",
      "SINGLE='a # not a comment'",
      'DOUBLE="line1\\nline2 \\"q\\""',
      'MULTI="first',
      'second"',
      "EMPTY=",
    ].join("\n");
    expect(parseDotenv(text)).toEqual({
      PLAIN: "abc",
      EXPORTED: "1",
      SINGLE: "a # not a comment",
      DOUBLE: 'line1\nline2 "q"',
      MULTI: "first\nsecond",
      EMPTY: "",
    });
  });

  it("names the bad line without quoting its value", () => {
    expect(() => parseDotenv("GOOD=1\nthis is sk-secret-value")).toThrow(/\.dev\.vars, line 2: expected NAME=value/);
    try {
      parseDotenv("GOOD=1\nthis is sk-secret-value");
    } catch (err) {
      expect(String(err)).not.toContain("sk-secret-value");
    }
  });

  it("reads .dev.vars and the environment names the config lists, .dev.vars winning", async () => {
    const root = await mkdtemp(join(tmpdir(), "aerostack-secrets-"));
    const config = { ...defaultConfig("x"), secrets: ["FROM_ENV", "BOTH", "UNSET"] };
    expect(await readDevSecrets(root, config, { FROM_ENV: "e", BOTH: "env", OTHER: "ignored" })).toEqual({ FROM_ENV: "e", BOTH: "env" });
    await writeFile(join(root, ".dev.vars"), "BOTH=file\nONLY_FILE=f\n");
    expect(await readDevSecrets(root, config, { FROM_ENV: "e", BOTH: "env" })).toEqual({ FROM_ENV: "e", BOTH: "file", ONLY_FILE: "f" });
  });

  it("reads the built-in AI providers' keys from the environment even without [ai], as env.AI's errors promise", async () => {
    const root = await mkdtemp(join(tmpdir(), "aerostack-secrets-"));
    const environment = { OPENAI_API_KEY: "o", ANTHROPIC_API_KEY: "a", GEMINI_API_KEY: "g", GROQ_API_KEY: "not declared" };
    expect(await readDevSecrets(root, defaultConfig("x"), environment)).toEqual({ OPENAI_API_KEY: "o", ANTHROPIC_API_KEY: "a", GEMINI_API_KEY: "g" });
  });
});
