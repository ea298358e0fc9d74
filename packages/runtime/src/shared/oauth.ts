/**
 * OAuth 2.1 for workspace gateways (the MCP authorization specification): token prefixes and lifetimes, the
 * endpoints' paths, and the zod schemas of what clients send (dynamic client registration, client ID metadata
 * documents, token and revocation requests). The worker (worker/oauth/) and tests share them.
 */
import * as z from "zod/mini";
import type { WorkspaceRole } from "./gateway";
import { isLoopbackOrigin } from "./origin";

/** Access tokens are `mat_…` (member access token), refresh tokens `mrt_…`: both stored only as SHA-256 hashes. */
export const OAUTH_ACCESS_PREFIX = "mat_";
export const OAUTH_REFRESH_PREFIX = "mrt_";

/** An access token lives an hour: short, because refresh rotates and revocation also holds on the next request. */
export const ACCESS_TOKEN_TTL_S = 3600;
/** A refresh token family lives 30 days from its last rotation. */
export const REFRESH_TOKEN_TTL_S = 30 * 86_400;
/** An authorization code is redeemable once, within a minute (RFC 6749 §4.1.2 recommends at most ten). */
export const CODE_TTL_S = 60;
/** A consent page started and not finished within ten minutes is gone. */
export const CONSENT_TTL_S = 600;
/** A fetched client ID metadata document is trusted this long before it is fetched again. */
export const CLIENT_DOCUMENT_TTL_S = 300;
/** Largest client ID metadata document read. */
export const MAX_CLIENT_DOCUMENT_BYTES = 16 * 1024;

export const OAUTH_PATHS = {
  authorize: "/oauth/authorize",
  token: "/oauth/token",
  register: "/oauth/register",
  revoke: "/oauth/revoke",
  serverMetadata: "/.well-known/oauth-authorization-server",
  resourceMetadata: "/.well-known/oauth-protected-resource",
} as const;

/** The cookie binding a consent page to the browser that opened it (its value's hash is stored with the request). */
export const CONSENT_COOKIE = "aerostack_oauth_consent";

/**
 * A redirect URI a client may register: https anywhere, http only on loopback (native apps, RFC 8252 §7.3), or an
 * app's own scheme (`cursor://…`). Never javascript:, data:, file: or a URI with a fragment.
 */
export function redirectUriProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${JSON.stringify(raw.slice(0, 200))} is not an absolute URI`;
  }
  if (url.hash) return "a redirect URI may not have a fragment";
  const scheme = url.protocol.slice(0, -1);
  if (["javascript", "data", "file", "vbscript", "blob", "about"].includes(scheme)) return `the ${scheme}: scheme is not allowed`;
  if (scheme === "http" && !isLoopbackOrigin(url.origin)) return "http redirect URIs are allowed on loopback hosts only (use https)";
  return null;
}

const redirectUri = z.string().check(
  z.maxLength(2000),
  z.refine((v) => redirectUriProblem(v) === null, { message: "redirect_uris must be https, http on loopback, or an app's own scheme, without a fragment" }),
);

/** RFC 7591 registration request (the fields this server reads; others are ignored, as the RFC allows). */
export const ClientRegistrationSchema = z.object({
  redirect_uris: z.array(redirectUri).check(z.minLength(1), z.maxLength(20)),
  client_name: z.optional(z.string().check(z.maxLength(200))),
  client_uri: z.optional(z.string().check(z.maxLength(2000))),
  token_endpoint_auth_method: z.optional(z.string()),
  grant_types: z.optional(z.array(z.string())),
  response_types: z.optional(z.array(z.string())),
  scope: z.optional(z.string().check(z.maxLength(1000))),
});
export type ClientRegistration = z.output<typeof ClientRegistrationSchema>;

/** A client ID metadata document: the same fields, plus its own URL as `client_id`. */
export const ClientDocumentSchema = z.object({
  client_id: z.string(),
  redirect_uris: z.array(redirectUri).check(z.minLength(1), z.maxLength(20)),
  client_name: z.optional(z.string().check(z.maxLength(200))),
  client_uri: z.optional(z.string().check(z.maxLength(2000))),
  token_endpoint_auth_method: z.optional(z.string()),
});

/** What the server keeps of a client (registered or described by a document). */
export interface OAuthClient {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  /** Public clients only: PKCE stands in for a secret. */
  token_endpoint_auth_method: "none";
  grant_types: string[];
  response_types: string[];
  client_id_issued_at?: number;
}

export const TokenRequestSchema = z.union([
  z.object({
    grant_type: z.literal("authorization_code"),
    code: z.string().check(z.minLength(1), z.maxLength(200)),
    redirect_uri: z.string().check(z.maxLength(2000)),
    code_verifier: z.string().check(z.regex(/^[A-Za-z0-9._~-]{43,128}$/, "code_verifier must be 43-128 unreserved characters")),
    client_id: z.string().check(z.minLength(1), z.maxLength(2000)),
    resource: z.optional(z.string()),
  }),
  z.object({
    grant_type: z.literal("refresh_token"),
    refresh_token: z.string().check(z.minLength(1), z.maxLength(200)),
    client_id: z.string().check(z.minLength(1), z.maxLength(2000)),
    resource: z.optional(z.string()),
    scope: z.optional(z.string()),
  }),
]);
export type TokenRequest = z.output<typeof TokenRequestSchema>;

export const RevokeRequestSchema = z.object({
  token: z.string().check(z.minLength(1), z.maxLength(200)),
  token_type_hint: z.optional(z.string()),
  client_id: z.optional(z.string()),
});

/** Who consented: an account owning the workspace, or the holder of one of its member tokens. */
export type OAuthPrincipal = { kind: "account"; account: string } | { kind: "member"; workspace: string; tokenId: string; tokenName: string };

/** What a grant gives: the workspace, the role within it and, for a member token's holder, that token's tool list. */
export interface OAuthGrant {
  workspace: string;
  role: WorkspaceRole;
  tools: string[] | null;
  /** The member token a grant derives from: revoking it revokes the grant too. */
  parentTokenId: string | null;
  /** How the call log names the caller, e.g. `oauth Cursor (token alice)`. */
  name: string;
  /** Who consented: checked again on every refresh (the account still owns the workspace, the member token lives). */
  principal: OAuthPrincipal;
}
