/**
 * The dashboard session: an opaque random cookie (HttpOnly, SameSite=Strict, Secure over TLS) whose SHA-256 names a
 * row in DashboardSessions, and a per-session CSRF token the page sends as a header on every API call. A session
 * acts as the account key that signed in and dies with it: each request re-checks that key in the Directory, so a
 * revoked key ends its sessions on their next request, like a bearer key.
 */
import type { PlatformEnv } from "../env";
import { directory, type Caller } from "../accounts/directory";
import { HttpError } from "../http/http-error";
import { sha256Hex } from "../../shared/sha256";
import { dashboardSessions } from "./sessions";

/** Sessions last a working day; signing in again is one paste of a key. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const CSRF_HEADER = "x-aerostack-csrf";
const SESSION_PREFIX = "ads_";
/** 32 random bytes, base64url: the cookie value and the CSRF token are both this long. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** `__Host-` binds the cookie to this exact origin and path / (browsers demand Secure for it, so TLS only). */
export function sessionCookieName(url: URL): string {
  return url.protocol === "https:" ? "__Host-aerostack_session" : "aerostack_session";
}

export function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function newSessionValue(): string {
  return `${SESSION_PREFIX}${randomToken()}`;
}

/** `path`: `/` on a platform; `aerostack dev` keeps it under `/__aerostack/`, so the project's own pages never get it. */
export function sessionCookie(url: URL, value: string, maxAgeSeconds: number, path = "/"): string {
  const secure = url.protocol === "https:" ? "; Secure" : "";
  return `${sessionCookieName(url)}=${value}; Path=${path}; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** The session cookie's value when it has the right shape; anything else is treated as no cookie at all. */
export function sessionValue(request: Request): string | null {
  const name = sessionCookieName(new URL(request.url));
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    if (value.startsWith(SESSION_PREFIX) && TOKEN_PATTERN.test(value.slice(SESSION_PREFIX.length))) return value;
  }
  return null;
}

export function hasSessionCookie(request: Request): boolean {
  return sessionValue(request) !== null;
}

export interface DashboardSession {
  caller: Caller;
  csrf: string;
  expiresAt: number;
  /** SHA-256 of the cookie value: what sign-out deletes. */
  hash: string;
}

/** The signed-in session of this request, or null (no cookie, unknown, expired, signed out, or its key revoked). */
export async function dashboardSession(request: Request, env: PlatformEnv): Promise<DashboardSession | null> {
  const value = sessionValue(request);
  if (!value) return null;
  const hash = await sha256Hex(value);
  const row = await dashboardSessions(env).get(hash);
  if (!row) return null;
  const caller = await directory(env).authenticate(row.keyHash);
  if (!caller) return null;
  return { caller: { ...caller, keyName: `${caller.keyName} (dashboard)` }, csrf: row.csrf, expiresAt: row.expiresAt, hash };
}

/**
 * The account signed in to the dashboard on this request, or null. For pages of the platform's own host that need
 * a person (the OAuth consent page): a form posting a change must also pass `checkCsrf`.
 */
export async function dashboardAccount(request: Request, env: PlatformEnv): Promise<Caller | null> {
  return (await dashboardSession(request, env))?.caller ?? null;
}

/**
 * A browser request is same-origin when its `Origin` (sent on every non-GET fetch and form post) is the request's
 * own origin and `Sec-Fetch-Site`, where the browser sends it, says so. Requests from other sites fail here even
 * before the CSRF token is compared.
 */
export function sameOrigin(request: Request): boolean {
  const url = new URL(request.url);
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin) return false;
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin") return false;
  // A change with neither header is not a browser page's request we serve: browsers send Origin on non-GET.
  if (origin === null && site === null && request.method !== "GET" && request.method !== "HEAD") return false;
  return true;
}

/** Compares in time independent of where the strings differ: the token must not leak byte by byte. */
export function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Throws unless the request is same-origin and carries the session's CSRF token, in the `x-aerostack-csrf` header
 * or (for a plain HTML form) a `csrf` field the caller read from the body and passes as `formToken`.
 */
export function checkCsrf(request: Request, session: DashboardSession, formToken?: string | null): void {
  if (!sameOrigin(request)) throw new HttpError("forbidden", "this request comes from another site: the dashboard session is for its own pages only");
  const sent = request.headers.get(CSRF_HEADER) ?? formToken ?? "";
  if (!constantTimeEqual(sent, session.csrf)) {
    throw new HttpError("forbidden", `the CSRF token is missing or wrong: reload the dashboard (it sends ${CSRF_HEADER} with every call)`);
  }
}

/**
 * The API's alternative to a bearer key: the caller of a same-origin request with a live session cookie and its
 * CSRF token. Every API call made this way needs the token, reads too, so one rule covers every route.
 */
export async function sessionCaller(request: Request, env: PlatformEnv): Promise<Caller> {
  const session = await dashboardSession(request, env);
  if (!session) throw new HttpError("unauthorized", "the dashboard session is not valid (expired, signed out, or its key revoked): sign in again");
  checkCsrf(request, session);
  return session.caller;
}
