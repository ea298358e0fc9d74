/**
 * The dashboard's one way to the platform: /api/v1 with the session cookie (sent by the browser, never readable
 * here) and the session's CSRF token in a header. The same routes and checks the CLI uses; nothing is special-cased.
 */

export interface Session {
  account: string;
  admin: boolean;
  csrf: string;
  expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Put before every path: "" on a platform, "/__aerostack" in `aerostack dev` (whose project keeps every other path).
 * The server writes it into the shell page.
 */
export const BASE = document.querySelector<HTMLMetaElement>('meta[name="aerostack-base"]')?.content ?? "";
/** In `aerostack dev`: signed in by the link the dev banner prints, not by a key. */
export const IN_DEV = BASE !== "";

let csrf = "";
/** Called when the platform says the session is gone, so the app shows the sign-in form. */
let onSignedOut: () => void = () => {};

export function setSignedOutHandler(handler: () => void): void {
  onSignedOut = handler;
}

async function send<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${BASE}${path}`, {
    method,
    credentials: "same-origin",
    headers: { ...(csrf ? { "x-aerostack-csrf": csrf } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) {
    const err = new ApiError(res.status, data.error?.code ?? "error", data.error?.message ?? `the platform answered ${res.status}`);
    if (res.status === 401 && path.startsWith("/api/")) onSignedOut();
    throw err;
  }
  return data as T;
}

/** `/api/v1` + path; query values that are undefined or empty are left out. */
export function api<T>(method: string, path: string, body?: unknown, query?: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== "") qs.set(k, String(v));
  const q = qs.toString();
  return send<T>(method, `/api/v1${path}${q ? `?${q}` : ""}`, body);
}

export const get = <T>(path: string, query?: Record<string, string | number | undefined>) => api<T>("GET", path, undefined, query);

export async function currentSession(): Promise<Session | null> {
  try {
    const s = await send<Session>("GET", "/dashboard/session");
    csrf = s.csrf;
    return s;
  } catch {
    return null;
  }
}

export async function signIn(key: string): Promise<Session> {
  const s = await send<Session>("POST", "/dashboard/session", { key });
  csrf = s.csrf;
  return s;
}

export async function signOut(): Promise<void> {
  await send("DELETE", "/dashboard/session");
  csrf = "";
}

/** Path segments are user data: always encoded. */
export const seg = (s: string) => encodeURIComponent(s);
