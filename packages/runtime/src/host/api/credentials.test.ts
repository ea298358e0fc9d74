/** Stored login: where it lives, its permissions, the atomic replace, and env-over-login resolution. */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UserError } from "../errors";
import { credentialsPath, deleteLogin, readStoredLogin, resolveCredentials, saveLogin } from "./credentials";

const KEY_A = `ak_${"a".repeat(40)}`;
const KEY_B = `ak_${"B".repeat(40)}`;
let home: string;
let env: Record<string, string>;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "aerostack-creds-"));
  env = { HOME: home, XDG_CONFIG_HOME: join(home, "xdg") };
});
afterEach(() => rm(home, { recursive: true, force: true }));

const login = (url: string, key: string) => ({ url, key, account: "acme", savedAt: "2025-01-01T00:00:00.000Z" });

async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

describe("credentials", () => {
  it("lives under $XDG_CONFIG_HOME, else ~/.config", () => {
    expect(credentialsPath(env)).toBe(join(home, "xdg", "aerostack", "credentials.json"));
    expect(credentialsPath({ HOME: home })).toBe(join(home, ".config", "aerostack", "credentials.json"));
    // The XDG spec ignores relative paths.
    expect(credentialsPath({ HOME: home, XDG_CONFIG_HOME: "relative" })).toBe(join(home, ".config", "aerostack", "credentials.json"));
  });

  it("writes the file 0600 in a 0700 folder, tightening a folder that was wider", async () => {
    await mkdir(join(home, "xdg", "aerostack"), { recursive: true, mode: 0o755 });
    await chmod(join(home, "xdg", "aerostack"), 0o755);
    const file = await saveLogin(login("http://127.0.0.1:8700", KEY_A), env);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "xdg", "aerostack"))).mode & 0o777).toBe(0o700);
    expect(await readStoredLogin(env)).toEqual(login("http://127.0.0.1:8700", KEY_A));
  });

  it("replaces the file atomically: a new file renamed over the old, no temporary left behind", async () => {
    const file = await saveLogin(login("http://127.0.0.1:8700", KEY_A), env);
    const before = (await stat(file)).ino;
    await saveLogin(login("http://127.0.0.1:9000", KEY_B), env);
    expect((await stat(file)).ino).not.toBe(before);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(join(home, "xdg", "aerostack"))).toEqual(["credentials.json"]);
    expect(JSON.parse(await readFile(file, "utf8")).key).toBe(KEY_B);
  });

  it("environment variables win over the stored login", async () => {
    await saveLogin(login("http://127.0.0.1:8700", KEY_A), env);
    expect(await resolveCredentials(env)).toEqual({ url: "http://127.0.0.1:8700", key: KEY_A, source: { url: "login", key: "login" } });
    expect(await resolveCredentials({ ...env, AEROSTACK_API_KEY: KEY_B })).toEqual({ url: "http://127.0.0.1:8700", key: KEY_B, source: { url: "login", key: "env" } });
    expect(await resolveCredentials({ ...env, AEROSTACK_API_URL: "http://127.0.0.1:9999/", AEROSTACK_API_KEY: KEY_B })).toEqual({
      url: "http://127.0.0.1:9999",
      key: KEY_B,
      source: { url: "env", key: "env" },
    });
  });

  it("never sends the stored key to another platform named by AEROSTACK_API_URL", async () => {
    await saveLogin(login("http://127.0.0.1:8700", KEY_A), env);
    const err = await rejection(resolveCredentials({ ...env, AEROSTACK_API_URL: "https://other.example.com" }));
    expect(err.message).toContain("No account key for https://other.example.com");
    expect(err.hint).toContain("AEROSTACK_API_KEY");
    // The same platform written differently (trailing slash) is the same platform.
    expect((await resolveCredentials({ ...env, AEROSTACK_API_URL: "http://127.0.0.1:8700/" })).key).toBe(KEY_A);
  });

  it("without a login or variables, says to log in or set the variables", async () => {
    const err = await rejection(resolveCredentials(env));
    expect(err.message).toContain("Not logged in");
    expect(err.hint).toContain("aerostack login");
    expect(err.hint).toContain("AEROSTACK_API_URL");
  });

  it("checks the key's format locally, without echoing it", async () => {
    const bad = "ak_tooshort_secretish";
    const err = await rejection(resolveCredentials({ ...env, AEROSTACK_API_URL: "http://127.0.0.1:8700", AEROSTACK_API_KEY: bad }));
    expect(err.message).toContain("AEROSTACK_API_KEY is not an account key");
    expect(`${err.message}${err.hint}`).not.toContain(bad);
    const url = await rejection(resolveCredentials({ ...env, AEROSTACK_API_URL: "ftp://x", AEROSTACK_API_KEY: KEY_A }));
    expect(url.message).toContain("AEROSTACK_API_URL must be an http");
  });

  it("a damaged file is an error naming it; logout removes it", async () => {
    await mkdir(join(home, "xdg", "aerostack"), { recursive: true });
    await writeFile(credentialsPath(env), "{not json");
    const err = await rejection(resolveCredentials(env));
    expect(err.message).toContain(credentialsPath(env));
    expect(await deleteLogin(env)).toBe(true);
    expect(await deleteLogin(env)).toBe(false);
    expect(await readStoredLogin(env)).toBeUndefined();
  });
});
