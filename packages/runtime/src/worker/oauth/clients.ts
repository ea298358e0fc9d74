/**
 * OAuth clients: registered dynamically (RFC 7591) or named by the URL of their client ID metadata document, which
 * is fetched through the platform's egress rules (never its own ports, never link-local or metadata addresses;
 * loopback and private only where the platform lets user code reach them), without following redirects.
 */
import type { PlatformEnv } from "../env";
import { judge, type RuleWording } from "../egress/rules";
import { ownPorts } from "../egress/own-ports";
import { oauthServer } from "./store";
import {
  CLIENT_DOCUMENT_TTL_S,
  ClientDocumentSchema,
  ClientRegistrationSchema,
  MAX_CLIENT_DOCUMENT_BYTES,
  type OAuthClient,
} from "../../shared/oauth";
import { isLoopbackOrigin } from "../../shared/origin";
import { randomHex } from "../../shared/hex";

const DOCUMENT_WORDING: RuleWording = {
  who: "a client ID metadata document",
  privateHint: "this platform fetches client documents from public addresses only",
};

export class ClientError extends Error {}

/** Registers a public client (PKCE, no secret): what was asked, with the fields this server decides. */
export async function registerClient(env: PlatformEnv, raw: unknown): Promise<OAuthClient> {
  const parsed = ClientRegistrationSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new ClientError(`${first?.path.join(".") || "body"}: ${first?.message ?? "invalid"}`);
  }
  const body = parsed.data;
  const unsupportedGrant = (body.grant_types ?? []).find((g) => g !== "authorization_code" && g !== "refresh_token");
  if (unsupportedGrant) throw new ClientError(`grant type ${JSON.stringify(unsupportedGrant)} is not supported (authorization_code, refresh_token)`);
  if ((body.response_types ?? []).some((r) => r !== "code")) throw new ClientError('only the "code" response type is supported');
  const client: OAuthClient = {
    client_id: `oc_${randomHex(16)}`,
    client_name: body.client_name ?? "An MCP client",
    redirect_uris: body.redirect_uris,
    // Every client is public: a secret handed to a desktop app is no secret; PKCE binds the code to its requester.
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    client_id_issued_at: Math.floor(Date.now() / 1000),
  };
  await oauthServer(env).registerClient(client);
  return client;
}

/** A client ID that is a URL names its metadata document (draft-ietf-oauth-client-id-metadata-document). */
export function isDocumentClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId);
}

/** The client a `client_id` names, or a ClientError saying why none is. */
export async function resolveClient(env: PlatformEnv, clientId: string): Promise<OAuthClient> {
  const known = await oauthServer(env).client(clientId, CLIENT_DOCUMENT_TTL_S * 1000);
  if (known) return known;
  if (!isDocumentClientId(clientId)) throw new ClientError(`unknown client_id ${JSON.stringify(clientId.slice(0, 80))}: register the client first`);
  const client = await fetchClientDocument(env, clientId);
  await oauthServer(env).cacheDocumentClient(client);
  return client;
}

async function fetchClientDocument(env: PlatformEnv, clientId: string): Promise<OAuthClient> {
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    throw new ClientError("client_id is not a valid URL");
  }
  // Loopback and private addresses only where the platform lets user code reach them (tests, a team's own network).
  const allowPrivate = env.AEROSTACK_MODE === "dev" || env.AEROSTACK_EGRESS_PRIVATE !== undefined;
  const httpAllowed = allowPrivate && isLoopbackOrigin(url.origin);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && httpAllowed)) throw new ClientError("a client ID metadata document URL must be https");
  if (url.pathname === "/" || url.hash || url.username || url.password) throw new ClientError("a client ID metadata document URL needs a path and no fragment or credentials");
  const verdict = judge(url, { allowPrivate, ownPorts: await ownPorts(env) }, DOCUMENT_WORDING);
  if (!verdict.allowed) throw new ClientError(`the client document was not fetched: ${verdict.message}`);
  const network = allowPrivate ? env.AEROSTACK_EGRESS_PRIVATE : env.AEROSTACK_EGRESS_PUBLIC;
  const request = new Request(url, { headers: { accept: "application/json" }, redirect: "manual", signal: AbortSignal.timeout(5000) });
  let response: Response;
  try {
    response = await (network ? network.fetch(request) : fetch(request));
  } catch {
    throw new ClientError(`the client document at ${url.host} could not be fetched`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw new ClientError(`the client document answered ${response.status}, not 200`);
  }
  const text = await readLimited(response, MAX_CLIENT_DOCUMENT_BYTES);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ClientError("the client document is not JSON");
  }
  const parsed = ClientDocumentSchema.safeParse(raw);
  if (!parsed.success) throw new ClientError(`the client document is not valid: ${parsed.error.issues[0]?.path.join(".")} ${parsed.error.issues[0]?.message}`);
  // The document must name itself: another URL's document cannot be served as this one's.
  if (parsed.data.client_id !== clientId) throw new ClientError("the client document's client_id is not its own URL");
  if (parsed.data.token_endpoint_auth_method !== undefined && parsed.data.token_endpoint_auth_method !== "none") {
    throw new ClientError('only public clients (token_endpoint_auth_method "none") are supported');
  }
  return {
    client_id: clientId,
    client_name: parsed.data.client_name ?? url.host,
    redirect_uris: parsed.data.redirect_uris,
    token_endpoint_auth_method: "none",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
  };
}

async function readLimited(response: Response, max: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new ClientError(`the client document is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks, size));
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

