/** Where `aerostack login` keeps the platform URL and account key, and which URL and key a command uses. */
import { chmod, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { z } from "zod";
import { ACCOUNT_KEY_PATTERN } from "../../shared/api";
import { UserError } from "../errors";

/** What `aerostack login` stores: one platform and one key (a second login replaces it). */
export const StoredLoginSchema = z.object({
  url: z.string(),
  key: z.string(),
  account: z.string(),
  savedAt: z.string(),
});
export type StoredLogin = z.output<typeof StoredLoginSchema>;

/** Where a value came from, so errors can name what to fix (the variable or the login). */
export type CredentialSource = "env" | "login";

export interface Credentials {
  url: string;
  key: string;
  source: { url: CredentialSource; key: CredentialSource };
}

/** The platform `aerostack platform start` serves by default, and `aerostack login` targets without --url. */
export const DEFAULT_PLATFORM_URL = "http://127.0.0.1:8700";

type Env = Record<string, string | undefined>;

/** `$XDG_CONFIG_HOME/aerostack/credentials.json`, else `~/.config/aerostack/credentials.json`. */
export function credentialsPath(env: Env = process.env): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith("/") ? env.XDG_CONFIG_HOME : join(env.HOME || homedir(), ".config");
  return join(base, "aerostack", "credentials.json");
}

/** A platform URL as the client uses it: http(s), no credentials, no trailing slash. `what` names it in errors. */
export function normalizePlatformUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`${what} is not a URL: ${JSON.stringify(value)}.`, { hint: `Use the address the platform printed, such as ${DEFAULT_PLATFORM_URL}.` });
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UserError(`${what} must be an http:// or https:// URL, got ${url.protocol}.`, { hint: `Such as ${DEFAULT_PLATFORM_URL}.` });
  }
  if (url.username || url.password) {
    throw new UserError(`${what} must not carry credentials.`, { hint: "Give the key with `aerostack login` or AEROSTACK_API_KEY instead." });
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Checks a key's shape locally (never echoing it): `what` names where it came from. */
export function checkAccountKey(key: string, what: string): string {
  const trimmed = key.trim();
  if (!ACCOUNT_KEY_PATTERN.test(trimmed)) {
    const looksLikeToken = trimmed.startsWith("mwt_");
    throw new UserError(`${what} is not an account key: expected "ak_" followed by 40 letters and digits${looksLikeToken ? " (that is a workspace token, mwt_…)" : ""}.`, {
      hint: "Use the key `aerostack account create` or `aerostack account keys create` printed.",
    });
  }
  return trimmed;
}

/** The stored login, or undefined when there is none. A damaged file is an error naming it, not a silent logout. */
export async function readStoredLogin(env: Env = process.env): Promise<StoredLogin | undefined> {
  const file = credentialsPath(env);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new UserError(`Cannot read ${file}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    data = undefined;
  }
  const parsed = StoredLoginSchema.safeParse(data);
  if (!parsed.success) {
    throw new UserError(`${file} is damaged (not the JSON \`aerostack login\` writes).`, { hint: "Run `aerostack logout` and `aerostack login` again." });
  }
  return parsed.data;
}

/**
 * Stores a login: the folder 0700, the file 0600, written to a temporary file and renamed over the old one so a
 * crash never leaves half a file and no other user can read the key at any moment.
 */
export async function saveLogin(login: StoredLogin, env: Env = process.env): Promise<string> {
  const file = credentialsPath(env);
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves an existing folder's mode alone: tighten it (it is ours; ~/.config itself is left as it is).
  await chmod(dir, 0o700);
  const tmp = join(dir, `.credentials.${process.pid}.${Date.now()}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(`${JSON.stringify(StoredLoginSchema.parse(login), null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}

/** Removes the stored login; false when there was none. */
export async function deleteLogin(env: Env = process.env): Promise<boolean> {
  const file = credentialsPath(env);
  try {
    await rm(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}

/**
 * The platform URL alone (AEROSTACK_API_URL, else the stored login's), for commands that need no account key —
 * a member connecting a client has a workspace token, not a key. Undefined when neither is set.
 */
export async function resolvePlatformUrl(env: Env = process.env): Promise<string | undefined> {
  const envUrl = env.AEROSTACK_API_URL?.trim() || undefined;
  if (envUrl) return normalizePlatformUrl(envUrl, "AEROSTACK_API_URL");
  const stored = await readStoredLogin(env);
  return stored ? normalizePlatformUrl(stored.url, `The url in ${credentialsPath(env)}`) : undefined;
}

/**
 * The URL and key a command uses: AEROSTACK_API_URL / AEROSTACK_API_KEY win over the stored login. The stored key
 * is only sent to the stored URL: with AEROSTACK_API_URL naming another platform it is not used, so a key never
 * leaks to a server it was not made for.
 */
export async function resolveCredentials(env: Env = process.env): Promise<Credentials> {
  const envUrl = env.AEROSTACK_API_URL?.trim() || undefined;
  const envKey = env.AEROSTACK_API_KEY?.trim() || undefined;
  const url = envUrl ? normalizePlatformUrl(envUrl, "AEROSTACK_API_URL") : undefined;
  const key = envKey ? checkAccountKey(envKey, "AEROSTACK_API_KEY") : undefined;
  if (url && key) return { url, key, source: { url: "env", key: "env" } };

  const stored = await readStoredLogin(env);
  const storedUrl = stored ? normalizePlatformUrl(stored.url, `The url in ${credentialsPath(env)}`) : undefined;
  const resolvedUrl = url ?? storedUrl;
  if (!resolvedUrl) {
    throw new UserError("Not logged in to a platform.", {
      hint: "Run `aerostack login --url <platform url>`, or set AEROSTACK_API_URL and AEROSTACK_API_KEY (in CI).",
    });
  }
  if (key) return { url: resolvedUrl, key, source: { url: url ? "env" : "login", key: "env" } };
  if (!stored || storedUrl !== resolvedUrl) {
    // A workspace admin without an account key manages that workspace with an admin member token.
    const token = env.AEROSTACK_WORKSPACE_TOKEN?.trim() || undefined;
    if (token?.startsWith("mwt_")) return { url: resolvedUrl, key: token, source: { url: url ? "env" : "login", key: "env" } };
    throw new UserError(`No account key for ${resolvedUrl}.`, {
      hint: `Set AEROSTACK_API_KEY (or, to manage one workspace as its admin, AEROSTACK_WORKSPACE_TOKEN), or run \`aerostack login --url ${resolvedUrl}\`.`,
    });
  }
  return { url: resolvedUrl, key: checkAccountKey(stored.key, `The key in ${credentialsPath(env)}`), source: { url: url ? "env" : "login", key: "login" } };
}
