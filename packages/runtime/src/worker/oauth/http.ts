/**
 * OAuth 2.1 for workspace gateways, as the MCP authorization specification describes: each `/ws/<slug>` is a
 * protected resource (RFC 9728 metadata), the platform is its authorization server (RFC 8414 metadata; authorization
 * code with PKCE S256 only; dynamic client registration, RFC 7591; client ID metadata documents; rotating refresh
 * tokens; RFC 7009 revocation). Access tokens are bound to one workspace and the consenting member's role, and are
 * checked by that workspace's object like member tokens (worker/workspaces/workspace.ts), so revocation holds on the
 * next request. The gateway never forwards them upstream (worker/gateway/members.ts sends none of the client's headers).
 */
import type { PlatformEnv } from "../env";
import { directory } from "../accounts/directory";
import { workspaceObject } from "../workspaces/workspace";
import { readBodyText } from "../http/body";
import { HttpError, json } from "../http/http-error";
import { serveHttp, type Surface } from "../http/middleware";
import { sha256Hex } from "../../shared/sha256";
import { ACCOUNT_KEY_PATTERN } from "../../shared/api";
import { OAUTH_ERROR_CODES, type OAuthErrorCode } from "../../shared/errors";
import { MEMBER_SLUG_PATTERN, MEMBER_TOKEN_PREFIX, WORKSPACE_ROLES, type WorkspaceRole } from "../../shared/gateway";
import {
  ACCESS_TOKEN_TTL_S,
  CODE_TTL_S,
  CONSENT_COOKIE,
  CONSENT_TTL_S,
  OAUTH_ACCESS_PREFIX,
  OAUTH_PATHS,
  OAUTH_REFRESH_PREFIX,
  RevokeRequestSchema,
  TokenRequestSchema,
  type OAuthClient,
  type OAuthGrant,
  type OAuthPrincipal,
} from "../../shared/oauth";
import { oauthServer, type ConsentParams } from "./store";
import { ClientError, registerClient, resolveClient } from "./clients";
import { randomHex } from "../../shared/hex";
import { choosePage, errorPage, hopPage, signInPage, type ConsentView } from "./consent";
import { constantTimeEqual, dashboardSession, hasSessionCookie, sameOrigin } from "../dashboard/session";

const GATEWAY_PATH = /^\/ws\/([^/]+)\/?$/;
const MAX_FORM_BYTES = 64 * 1024;

export function isOAuthPath(pathname: string): boolean {
  return pathname.startsWith("/oauth/") || pathname.startsWith("/.well-known/oauth-");
}

/** The RFC 9728 metadata URL of a workspace gateway, as a 401 from it points to. */
export function resourceMetadataUrl(origin: string, workspace: string): string {
  return `${origin}${OAUTH_PATHS.resourceMetadata}/ws/${workspace}`;
}

/** An OAuth error body (RFC 6749 §5.2), never the platform's `{ error: { code } }`: OAuth clients parse this shape. */
class OAuthError extends Error {
  constructor(
    readonly code: OAuthErrorCode,
    message: string,
  ) {
    super(message);
  }
}

// Token, registration and metadata endpoints are public and cookie-less: any web MCP client may call them.
const OPEN_CORS = { "access-control-allow-origin": "*", "access-control-expose-headers": "WWW-Authenticate" };
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

const OAUTH_SURFACE: Surface = {
  name: "oauth",
  error: (err, headers) => err.toResponse({ ...headers, ...NO_STORE }),
};

export function handleOAuth(request: Request, env: PlatformEnv): Promise<Response> {
  return serveHttp(request, OAUTH_SURFACE, async () => {
    try {
      return await serveOAuth(request, env);
    } catch (err) {
      if (err instanceof OAuthError) return oauthError(err.code, err.message);
      throw err;
    }
  });
}

function oauthError(code: OAuthErrorCode, description: string): Response {
  return json({ error: code, error_description: description }, OAUTH_ERROR_CODES[code], { ...OPEN_CORS, ...NO_STORE });
}

async function serveOAuth(request: Request, env: PlatformEnv): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname;
  if (request.method === "OPTIONS") {
    return new Response(null, {
      status: 204,
      headers: { ...OPEN_CORS, "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "Content-Type, Authorization, MCP-Protocol-Version", "access-control-max-age": "600" },
    });
  }
  if (path === OAUTH_PATHS.serverMetadata || path === "/.well-known/openid-configuration") return json(serverMetadata(url.origin), 200, OPEN_CORS);
  if (path.startsWith(OAUTH_PATHS.resourceMetadata)) return protectedResource(url, path.slice(OAUTH_PATHS.resourceMetadata.length));
  const allowed: Record<string, string[]> = {
    [OAUTH_PATHS.authorize]: ["GET", "POST"],
    [OAUTH_PATHS.token]: ["POST"],
    [OAUTH_PATHS.register]: ["POST"],
    [OAUTH_PATHS.revoke]: ["POST"],
  };
  const methods = allowed[path];
  if (!methods) throw new HttpError("not_found", `no OAuth endpoint at ${path}; see ${OAUTH_PATHS.serverMetadata}`);
  if (!methods.includes(request.method)) throw new HttpError("method_not_allowed", `${request.method} is not allowed on ${path}`);
  if (path === OAUTH_PATHS.register) return register(request, env);
  if (path === OAUTH_PATHS.token) return token(request, env);
  if (path === OAUTH_PATHS.revoke) return revoke(request, env);
  return request.method === "GET" ? authorize(request, url, env) : consent(request, url, env);
}

function serverMetadata(origin: string) {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}${OAUTH_PATHS.authorize}`,
    token_endpoint: `${origin}${OAUTH_PATHS.token}`,
    registration_endpoint: `${origin}${OAUTH_PATHS.register}`,
    revocation_endpoint: `${origin}${OAUTH_PATHS.revoke}`,
    response_types_supported: ["code"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    client_id_metadata_document_supported: true,
    authorization_response_iss_parameter_supported: true,
  };
}

/** RFC 9728: `/.well-known/oauth-protected-resource/ws/<slug>` describes that gateway. */
function protectedResource(url: URL, suffix: string): Response {
  const slug = GATEWAY_PATH.exec(suffix)?.[1];
  if (!slug || !MEMBER_SLUG_PATTERN.test(slug)) throw new HttpError("not_found", "protected resources are workspace gateways: /.well-known/oauth-protected-resource/ws/<slug>");
  return json(
    {
      resource: `${url.origin}/ws/${slug}`,
      authorization_servers: [url.origin],
      bearer_methods_supported: ["header"],
      resource_name: `Aerostack workspace ${slug}`,
    },
    200,
    OPEN_CORS,
  );
}

/** The workspace a `resource` names (the gateway URL on this platform), or null for an absent one; throws on others. */
function resourceWorkspace(resource: string | null, origin: string): string | null {
  if (resource === null) return null;
  let url: URL;
  try {
    url = new URL(resource);
  } catch {
    throw new OAuthError("invalid_target", "resource is not a URL");
  }
  const slug = GATEWAY_PATH.exec(url.pathname)?.[1];
  if (url.origin !== origin || !slug || !MEMBER_SLUG_PATTERN.test(slug) || url.search || url.hash) {
    throw new OAuthError("invalid_target", `resource must be a workspace gateway of this platform (${origin}/ws/<slug>)`);
  }
  return slug;
}

// ── registration ───────────────────────────────────────────────────────────────────────────────────────────────

async function register(request: Request, env: PlatformEnv): Promise<Response> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readBodyText(request, MAX_FORM_BYTES));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new OAuthError("invalid_client_metadata", "the registration request is not JSON");
  }
  try {
    return json(await registerClient(env, raw), 201, { ...OPEN_CORS, ...NO_STORE });
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    const code = /redirect_uris/.test(err.message) ? "invalid_redirect_uri" : "invalid_client_metadata";
    throw new OAuthError(code, err.message);
  }
}

// ── authorization: the consent page ────────────────────────────────────────────────────────────────────────────

/** Redirects back to the client: only ever to a redirect URI the client registered, exactly. */
function redirectBack(redirectUri: string, params: Record<string, string | null>, issuer: string): Response {
  const target = new URL(redirectUri);
  for (const [k, v] of Object.entries({ ...params, iss: issuer })) if (v !== null) target.searchParams.set(k, v);
  return new Response(null, { status: 302, headers: { location: target.toString(), ...NO_STORE, "referrer-policy": "no-referrer" } });
}

async function authorize(request: Request, url: URL, env: PlatformEnv): Promise<Response> {
  const q = url.searchParams;
  const clientId = q.get("client_id");
  const redirectUri = q.get("redirect_uri");
  if (!clientId || !redirectUri) return errorPage("The authorization request names no client_id or redirect_uri.");
  let client: OAuthClient;
  try {
    client = await resolveClient(env, clientId);
  } catch (err) {
    if (err instanceof ClientError) return errorPage(`The application is not known: ${err.message}.`);
    throw err;
  }
  // Exact match, no prefix or port leeway: a redirect anywhere else could hand the code to someone else.
  if (!client.redirect_uris.includes(redirectUri)) return errorPage("The redirect_uri is not one the application registered.");
  const state = q.get("state");
  const back = (error: string, description: string) => redirectBack(redirectUri, { error, error_description: description, state }, url.origin);
  if (q.get("response_type") !== "code") return back("unsupported_response_type", "only response_type=code is supported");
  const challenge = q.get("code_challenge");
  if (q.get("code_challenge_method") !== "S256" || !challenge || !/^[A-Za-z0-9_-]{43}$/.test(challenge)) {
    return back("invalid_request", "PKCE is required: code_challenge (43 base64url characters) with code_challenge_method=S256");
  }
  let workspace: string | null;
  try {
    workspace = resourceWorkspace(q.get("resource"), url.origin);
  } catch (err) {
    if (err instanceof OAuthError) return back(err.code, err.message);
    throw err;
  }
  // Arriving from another site (an MCP client's page), the browser leaves the dashboard's SameSite=Strict cookie
  // behind: go round once through a page of our own, whose navigation is same-origin and carries it. Nothing is
  // opened before; a same-site arrival, or one with the cookie, is served at once (so there is no loop).
  if (request.headers.get("sec-fetch-site") === "cross-site" && !hasSessionCookie(request)) return hopPage(`${url.pathname}${url.search}`);
  const params: ConsentParams = { clientId, clientName: client.client_name, redirectUri, codeChallenge: challenge, state, resource: q.get("resource"), workspace };
  const requestId = randomHex(16);
  const binding = randomHex(32);
  await oauthServer(env).openRequest(requestId, await sha256Hex(binding), params, Date.now() + CONSENT_TTL_S * 1000);
  // Signed in to the dashboard: no key to paste; Allow must carry the session's CSRF token back (checked in consent()).
  const session = await dashboardSession(request, env);
  const res = session
    ? await chooseFor(env, view(requestId, params), { kind: "account", account: session.caller.account }, undefined, session.csrf)
    : signInPage(view(requestId, params));
  res.headers.append("set-cookie", consentCookie(url, binding));
  return res;
}

/** Binds the consent page to this browser: a form posted from anywhere else finds no request. */
function consentCookie(url: URL, value: string): string {
  return `${CONSENT_COOKIE}=${value}; Path=/oauth; HttpOnly; SameSite=Strict; Max-Age=${CONSENT_TTL_S}${url.protocol === "https:" ? "; Secure" : ""}`;
}

function cookie(request: Request, name: string): string | null {
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return null;
}

function view(requestId: string, params: ConsentParams): ConsentView {
  let redirectHost = params.redirectUri;
  let redirectSource = "";
  try {
    const u = new URL(params.redirectUri);
    redirectHost = u.host || `${u.protocol}//`;
    // A CSP source: an http(s) origin as it is, a native app's custom scheme as `scheme:`.
    redirectSource = u.protocol === "http:" || u.protocol === "https:" ? u.origin : u.protocol;
  } catch {
    // Registered URIs parse; the raw text is shown otherwise.
  }
  // The authorization request again (all of it is in params), to come back to after a dashboard sign-in.
  const query = new URLSearchParams({ response_type: "code", client_id: params.clientId, redirect_uri: params.redirectUri, code_challenge: params.codeChallenge, code_challenge_method: "S256" });
  if (params.state !== null) query.set("state", params.state);
  if (params.resource !== null) query.set("resource", params.resource);
  return { requestId, clientName: params.clientName, redirectHost, workspace: params.workspace, returnTo: `${OAUTH_PATHS.authorize}?${query.toString()}`, redirectSource };
}

async function consent(request: Request, url: URL, env: PlatformEnv): Promise<Response> {
  // The consent form posts from this very page: a cross-site form is refused before it is read.
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== url.origin) return errorPage("This form may only be sent from the platform's own consent page.", 403);
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) return errorPage("The consent form is sent as a form.");
  const form = new URLSearchParams(await readBodyText(request, MAX_FORM_BYTES));
  const requestId = form.get("request") ?? "";
  const binding = cookie(request, CONSENT_COOKIE);
  const store = oauthServer(env);
  const bindingHash = binding ? await sha256Hex(binding) : "";
  const found = binding && /^[0-9a-f]{32}$/.test(requestId) ? await store.request(requestId, bindingHash) : null;
  if (!found) return errorPage("This consent page has expired or was opened in another browser. Start again from the application.");
  const { params } = found;
  const pageView = view(requestId, params);
  const action = form.get("action");

  if (action === "deny") {
    await store.closeRequest(requestId, bindingHash);
    return redirectBack(params.redirectUri, { error: "access_denied", error_description: "the member denied the request", state: params.state }, url.origin);
  }
  if (action === "signin") {
    const principal = await signIn(env, form.get("credential") ?? "", params.workspace ?? form.get("workspace") ?? "");
    if (typeof principal === "string") return signInPage(pageView, principal);
    await store.signIn(requestId, bindingHash, principal);
    return chooseFor(env, pageView, principal);
  }
  if (action === "switch") return signInPage(pageView);
  if (action !== "allow") return signInPage(pageView, "Sign in first.");
  let principal = found.principal;
  let csrf: string | undefined;
  if (!principal) {
    // The page was opened signed in to the dashboard: the session must still be live, this form must be our own
    // page's (same origin) and carry that session's CSRF token, so another site cannot make a signed-in person allow.
    const sent = form.get("csrf");
    const session = sent ? await dashboardSession(request, env) : null;
    if (!session || !sent || !sameOrigin(request) || !constantTimeEqual(sent, session.csrf)) {
      return signInPage(pageView, "Sign in first: the dashboard session has ended or does not match this page.");
    }
    principal = { kind: "account", account: session.caller.account };
    csrf = session.csrf;
  }
  const workspace = params.workspace ?? form.get("workspace") ?? "";
  const grant = await grantFor(env, principal, workspace, form.get("role"), params.clientName);
  if (typeof grant === "string") return chooseFor(env, pageView, principal, grant, csrf);
  // One consent, one code: the request is gone before the code exists, so a second Allow finds nothing.
  if (!(await store.closeRequest(requestId, bindingHash))) return errorPage("This consent page was already used. Start again from the application.");
  const code = randomHex(32);
  await store.storeCode(await sha256Hex(code), { clientId: params.clientId, redirectUri: params.redirectUri, challenge: params.codeChallenge, resource: params.resource, grant }, Date.now() + CODE_TTL_S * 1000);
  return redirectBack(params.redirectUri, { code, state: params.state }, url.origin);
}

/** Who the credential names: an account (by key), or a member token's holder in the named workspace; else why not. */
async function signIn(env: PlatformEnv, credential: string, workspace: string): Promise<OAuthPrincipal | string> {
  const secret = credential.trim();
  if (ACCOUNT_KEY_PATTERN.test(secret)) {
    const caller = await directory(env).authenticate(await sha256Hex(secret));
    return caller ? { kind: "account", account: caller.account } : "That account key is not valid (unknown or revoked).";
  }
  if (secret.startsWith(MEMBER_TOKEN_PREFIX)) {
    if (!MEMBER_SLUG_PATTERN.test(workspace)) return "Name the workspace your member token belongs to.";
    const member = await workspaceObject(env, workspace).memberGrant({ hash: await sha256Hex(secret) });
    return member ? { kind: "member", workspace, tokenId: member.id, tokenName: member.name } : `That member token is not valid for workspace "${workspace}" (unknown, revoked or expired).`;
  }
  return "Paste an account key (ak_…) or a member token (mwt_…).";
}

async function chooseFor(env: PlatformEnv, pageView: ConsentView, principal: OAuthPrincipal, error?: string, csrf?: string): Promise<Response> {
  if (principal.kind === "member") {
    const member = await workspaceObject(env, principal.workspace).memberGrant({ id: principal.tokenId });
    return choosePage(pageView, `member token ${principal.tokenName}`, { workspaces: [principal.workspace], role: member?.role ?? "read-only" }, error);
  }
  const owned = (await directory(env).listWorkspaces(principal.account)).map((w) => w.slug);
  const workspaces = pageView.workspace ? owned.filter((w) => w === pageView.workspace) : owned;
  const who = csrf ? `account ${principal.account} (your dashboard session)` : `account ${principal.account}`;
  return choosePage(pageView, who, { workspaces, role: null, ...(csrf ? { csrf } : {}) }, error ?? (pageView.workspace && workspaces.length === 0 ? `Account ${principal.account} does not own workspace "${pageView.workspace}".` : undefined));
}

/** The grant a principal may make for a workspace now (checked at Allow, not only at sign-in), or why not. */
async function grantFor(env: PlatformEnv, principal: OAuthPrincipal, workspace: string, role: string | null, clientName: string): Promise<OAuthGrant | string> {
  if (!MEMBER_SLUG_PATTERN.test(workspace)) return "Choose a workspace.";
  if (principal.kind === "account") {
    if ((await directory(env).workspaceOwner(workspace)) !== principal.account) return `Account ${principal.account} does not own workspace "${workspace}".`;
    const chosen = (WORKSPACE_ROLES as readonly string[]).includes(role ?? "") ? (role as WorkspaceRole) : "developer";
    return { workspace, role: chosen, tools: null, parentTokenId: null, name: `oauth ${clientName} (account ${principal.account})`, principal };
  }
  if (principal.workspace !== workspace) return `Your member token belongs to workspace "${principal.workspace}".`;
  const member = await workspaceObject(env, workspace).memberGrant({ id: principal.tokenId });
  if (!member) return "Your member token was revoked or has expired.";
  return { workspace, role: member.role, tools: member.tools, parentTokenId: member.id, name: `oauth ${clientName} (token ${member.name})`, principal };
}

// ── token endpoint ─────────────────────────────────────────────────────────────────────────────────────────────

async function readForm(request: Request): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "")) {
    throw new OAuthError("invalid_request", "send the request as application/x-www-form-urlencoded");
  }
  return new URLSearchParams(await readBodyText(request, MAX_FORM_BYTES));
}

async function s256(verifier: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  return btoa(String.fromCharCode(...digest)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

const newToken = (prefix: string) => `${prefix}${btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "")}`;

async function token(request: Request, env: PlatformEnv): Promise<Response> {
  const form = await readForm(request);
  const parsed = TokenRequestSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const grantType = form.get("grant_type");
    if (grantType !== "authorization_code" && grantType !== "refresh_token") throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code or refresh_token");
    throw new OAuthError("invalid_request", `${parsed.error.issues[0]?.path.join(".") || "request"}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
  }
  const body = parsed.data;
  try {
    await resolveClient(env, body.client_id);
  } catch (err) {
    if (err instanceof ClientError) throw new OAuthError("invalid_client", err.message);
    throw err;
  }
  const store = oauthServer(env);
  const access = newToken(OAUTH_ACCESS_PREFIX);
  const refresh = newToken(OAUTH_REFRESH_PREFIX);
  const [accessHash, refreshHash] = await Promise.all([sha256Hex(access), sha256Hex(refresh)]);
  const accessExpiresAt = Date.now() + ACCESS_TOKEN_TTL_S * 1000;
  let family: string;
  let grant: OAuthGrant;

  if (body.grant_type === "authorization_code") {
    const codeHash = await sha256Hex(body.code);
    const redeemed = await store.redeemCode(codeHash);
    if (redeemed.status === "replayed") {
      // A code used twice: whoever holds it now may have stolen it; what the first use issued is revoked too.
      if (redeemed.family) await workspaceObject(env, redeemed.workspace).revokeOAuthFamily(redeemed.family);
      throw new OAuthError("invalid_grant", "the authorization code was already used; the tokens it gave are revoked");
    }
    if (redeemed.status === "invalid") throw new OAuthError("invalid_grant", "the authorization code is unknown or expired");
    const code = redeemed.code;
    if (code.clientId !== body.client_id) throw new OAuthError("invalid_grant", "the authorization code was issued to another client");
    if (code.redirectUri !== body.redirect_uri) throw new OAuthError("invalid_grant", "redirect_uri differs from the authorization request's");
    if ((await s256(body.code_verifier)) !== code.challenge) throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
    if (body.resource !== undefined && code.resource !== null && body.resource !== code.resource) throw new OAuthError("invalid_target", "resource differs from the authorization request's");
    family = `oag_${randomHex(12)}`;
    grant = code.grant;
    if (!(await issueAccess(env, grant, family, accessHash, accessExpiresAt))) throw new OAuthError("invalid_grant", "the grant is no longer valid (the member token was revoked, or the workspace is gone)");
    await store.startFamily(codeHash, family, body.client_id, grant, refreshHash, accessHash, accessExpiresAt);
  } else {
    const refreshed = await store.refresh(await sha256Hex(body.refresh_token), body.client_id, { refreshHash, accessHash, accessExpiresAt });
    if (refreshed.status === "reused") {
      await workspaceObject(env, refreshed.workspace).revokeOAuthFamily(refreshed.family);
      throw new OAuthError("invalid_grant", "the refresh token was already used; every token of this grant is revoked (sign in again)");
    }
    if (refreshed.status === "invalid") throw new OAuthError("invalid_grant", "the refresh token is unknown, expired, revoked or another client's");
    family = refreshed.family;
    grant = refreshed.grant;
    // The consent is checked again: an account that gave the workspace away, or a revoked member token, ends it.
    const stillOwner = grant.principal.kind !== "account" || (await directory(env).workspaceOwner(grant.workspace)) === grant.principal.account;
    if (!stillOwner || !(await issueAccess(env, grant, family, accessHash, accessExpiresAt))) {
      await store.revokeFamily(family);
      await workspaceObject(env, grant.workspace).revokeOAuthFamily(family);
      throw new OAuthError("invalid_grant", "the grant is no longer valid (the member token was revoked, or the workspace changed hands)");
    }
  }
  return json({ access_token: access, token_type: "Bearer", expires_in: ACCESS_TOKEN_TTL_S, refresh_token: refresh }, 200, { ...OPEN_CORS, ...NO_STORE });
}

function issueAccess(env: PlatformEnv, grant: OAuthGrant, family: string, hash: string, expiresAt: number): Promise<boolean> {
  return workspaceObject(env, grant.workspace).issueOAuthAccess({ hash, family, name: grant.name, role: grant.role, tools: grant.tools, parentTokenId: grant.parentTokenId, expiresAt });
}

/** RFC 7009: revoking an access or refresh token ends its whole grant. Always 200, known token or not. */
async function revoke(request: Request, env: PlatformEnv): Promise<Response> {
  const parsed = RevokeRequestSchema.safeParse(Object.fromEntries(await readForm(request)));
  if (!parsed.success) throw new OAuthError("invalid_request", "token is required");
  const found = await oauthServer(env).revokeToken(await sha256Hex(parsed.data.token));
  if (found) await workspaceObject(env, found.workspace).revokeOAuthFamily(found.family);
  return new Response(null, { status: 200, headers: { ...OPEN_CORS, ...NO_STORE } });
}

/** The gateway's 401 points OAuth clients at the workspace's protected-resource metadata (RFC 9728 §5.1). */
export function withResourceMetadata(response: Response, request: Request, workspace: string): Response {
  if (response.status !== 401 || !MEMBER_SLUG_PATTERN.test(workspace)) return response;
  const out = new Response(response.body, response);
  const sent = request.headers.has("authorization");
  out.headers.set("www-authenticate", `Bearer realm="aerostack", resource_metadata="${resourceMetadataUrl(new URL(request.url).origin, workspace)}"${sent ? ', error="invalid_token"' : ""}`);
  return out;
}
