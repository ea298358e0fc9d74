/**
 * OAuth 2.1 for workspace gateways, end to end on a real platform: the MCP SDK's own OAuth client discovers the
 * gateway's protected-resource metadata from its 401, registers itself, sends the member to the consent page (driven
 * here over HTTP, as a browser would submit its forms), exchanges the code with PKCE and calls tools; then the attacks
 * the specification names: a replayed, forged or foreign code, a reused refresh token, a revoked token, a consent
 * form from another browser, a redirect URI that is not exact. Tokens are checked to be stored hashed only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { DEFAULT_SETTINGS } from "../../host/testing";
import { PROJECT_MCP_SERVER } from "../gateway/fixtures/project-server";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let dataDir: string;
let admin: string;
let docServer: Server;
let docUrl: string;
const REDIRECT = "http://127.0.0.1:9/callback";

async function api(method: string, path: string, body?: unknown, key = admin) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return (await res.json()) as Json;
}

const b64url = (buf: Buffer) => buf.toString("base64url");
function pkce() {
  const verifier = b64url(randomBytes(32));
  return { verifier, challenge: b64url(createHash("sha256").update(verifier).digest()) };
}

/** A browser's part: open the consent page, sign in, allow. Returns the redirect's query (code, state, or error). */
async function consentOverHttp(authorizationUrl: string, credential: string, choice: { workspace?: string; role?: string; memberWorkspace?: string } = {}): Promise<URLSearchParams> {
  const opened = await fetch(authorizationUrl, { redirect: "manual" });
  if (opened.status === 302) return new URL(opened.headers.get("location")!).searchParams;
  expect(opened.status, await opened.clone().text()).toBe(200);
  const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
  const html = await opened.text();
  const requestId = /name="request" value="([0-9a-f]+)"/.exec(html)![1]!;
  const post = (fields: Record<string, string>) =>
    fetch(`${server.url}/oauth/authorize`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie, origin: server.url },
      body: new URLSearchParams({ request: requestId, ...fields }),
    });
  const signedIn = await post({ action: "signin", credential, workspace: choice.memberWorkspace ?? "" });
  const chooser = await signedIn.text();
  expect(chooser, chooser).toContain('value="allow"');
  // The page never shows what was typed into it.
  expect(chooser).not.toContain(credential);
  const allowed = await post({ action: "allow", workspace: choice.workspace ?? "eng", ...(choice.role ? { role: choice.role } : {}) });
  expect(allowed.status, await allowed.clone().text()).toBe(302);
  return new URL(allowed.headers.get("location")!).searchParams;
}

/** The SDK's OAuthClientProvider, as an app implements it; redirectToAuthorization drives the consent page. */
class TestProvider implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  code: string | undefined;
  constructor(
    private readonly credential: string,
    private readonly choice: { workspace?: string; role?: string; memberWorkspace?: string } = {},
  ) {}
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: "SDK test client", redirect_uris: [REDIRECT], grant_types: ["authorization_code", "refresh_token"], response_types: ["code"], token_endpoint_auth_method: "none" };
  }
  state() {
    return "state-" + randomBytes(8).toString("hex");
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  async redirectToAuthorization(url: URL) {
    const sentState = url.searchParams.get("state");
    const back = await consentOverHttp(url.toString(), this.credential, this.choice);
    expect(back.get("state")).toBe(sentState);
    this.code = back.get("code") ?? undefined;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/** Connects with the SDK's OAuth flow: the first connect is refused (401), consent runs, finishAuth, connect again. */
async function oauthConnect(provider: TestProvider, workspace = "eng"): Promise<Client> {
  const url = new URL(`${server.url}/ws/${workspace}`);
  const first = new StreamableHTTPClientTransport(url, { authProvider: provider });
  const client = new Client({ name: "oauth-test", version: "1.0.0" });
  await expect(client.connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.code).toMatch(/^[0-9a-f]{64}$/);
  await first.finishAuth(provider.code!);
  const connected = new Client({ name: "oauth-test", version: "1.0.0" });
  await connected.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  return connected;
}

async function gatewayStatus(token: string, workspace = "eng"): Promise<number> {
  const res = await fetch(`${server.url}/ws/${workspace}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "raw", version: "1" } } }),
  });
  await res.body?.cancel();
  return res.status;
}

async function register(redirectUris = [REDIRECT]): Promise<string> {
  const res = await fetch(`${server.url}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ client_name: "raw client", redirect_uris: redirectUris }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as Json).client_id as string;
}

function authorizeUrl(clientId: string, challenge: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: "S256", state: "s1", resource: `${server.url}/ws/eng`, ...extra });
  return `${server.url}/oauth/authorize?${q}`;
}

async function tokenRequest(fields: Record<string, string>): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.url}/oauth/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(fields) });
  return { status: res.status, body: (await res.json()) as Json };
}

/** A code for `clientId` by the admin account's consent, with its verifier. */
async function codeFor(clientId: string, credential = admin, choice: { workspace?: string; role?: string; memberWorkspace?: string } = {}) {
  const { verifier, challenge } = pkce();
  const back = await consentOverHttp(authorizeUrl(clientId, challenge), credential, choice);
  return { code: back.get("code")!, verifier };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "aerostack-oauth-"));
  // Private egress on: the client ID metadata document below is served from loopback.
  server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", allowPrivateEgress: true, onLog: () => {} });
  admin = server.adminKey!;
  expect((await api("POST", "/projects/calc/deployments", { version: "c1", code: PROJECT_MCP_SERVER, settings: DEFAULT_SETTINGS })).version).toBe("c1");
  await api("POST", "/workspaces", { name: "eng" });
  await api("PUT", "/workspaces/eng/members/calc", { member: { kind: "project", slug: "calc", project: "calc" } });
  docServer = createServer((req, res) => {
    const self = `${docUrl.replace(/\/[^/]*$/, "")}${req.url}`;
    const clientId = req.url === "/liar.json" ? `${docUrl.replace(/\/[^/]*$/, "")}/other.json` : self;
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ client_id: clientId, client_name: "Document client", redirect_uris: [REDIRECT], token_endpoint_auth_method: "none" }));
  });
  await new Promise<void>((r) => docServer.listen(0, "127.0.0.1", r));
  const address = docServer.address() as { port: number };
  docUrl = `http://127.0.0.1:${address.port}/client.json`;
});
afterAll(async () => {
  await server?.close();
  await new Promise((r) => docServer?.close(r));
});

describe("discovery", () => {
  it("a gateway's 401 points at its protected-resource metadata, which names this platform as authorization server", async () => {
    const res = await fetch(`${server.url}/ws/eng`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    const pointer = /resource_metadata="([^"]+)"/.exec(res.headers.get("www-authenticate") ?? "")?.[1];
    expect(pointer).toBe(`${server.url}/.well-known/oauth-protected-resource/ws/eng`);
    const resource = (await (await fetch(pointer!)).json()) as Json;
    expect(resource).toMatchObject({ resource: `${server.url}/ws/eng`, authorization_servers: [server.url] });
    const meta = (await (await fetch(`${server.url}/.well-known/oauth-authorization-server`)).json()) as Json;
    expect(meta).toMatchObject({ issuer: server.url, code_challenge_methods_supported: ["S256"], client_id_metadata_document_supported: true });
  });
});

describe("the SDK's OAuth client", () => {
  it("signs in with an account key, chooses workspace and role, calls tools; refresh rotates; mwt_ tokens keep working", async () => {
    const provider = new TestProvider(admin, { role: "developer" });
    const client = await oauthConnect(provider);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(["calc__add", "calc__boom", "calc__headers"]);
    expect((await client.callTool({ name: "calc__add", arguments: { a: 2, b: 3 } })).content).toEqual([{ type: "text", text: "5" }]);
    // No token passthrough: the project behind the gateway never sees the access token.
    const seen = JSON.stringify((await client.callTool({ name: "calc__headers", arguments: {} })).content);
    expect(seen).not.toContain(provider.saved!.access_token);
    expect(seen.toLowerCase()).not.toContain("mat_");
    expect(provider.saved!.access_token).toMatch(/^mat_/);

    // The call log names the grant.
    await expect.poll(async () => ((await api("GET", "/workspaces/eng/logs?limit=50")).entries as Json[]).map((e) => e.tokenName)).toContain("oauth SDK test client (account admin)");

    // Refresh: a new pair; the old refresh token then is a reuse that revokes the family, the newest access token too.
    const first = provider.saved!;
    const clientId = provider.info!.client_id;
    const rotated = await tokenRequest({ grant_type: "refresh_token", refresh_token: first.refresh_token!, client_id: clientId });
    expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
    expect(rotated.body.refresh_token).not.toBe(first.refresh_token);
    expect(await gatewayStatus(rotated.body.access_token)).toBe(200);
    const reused = await tokenRequest({ grant_type: "refresh_token", refresh_token: first.refresh_token!, client_id: clientId });
    expect(reused).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await gatewayStatus(rotated.body.access_token)).toBe(401);
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: rotated.body.refresh_token, client_id: clientId })).body.error).toBe("invalid_grant");
    // The SDK's session is refused on its next request too.
    await expect(client.listTools()).rejects.toThrow();

    const mwt = (await api("POST", "/workspaces/eng/tokens", { name: "still-works", role: "developer" })).token as string;
    expect(await gatewayStatus(mwt)).toBe(200);
  });

  it("a member token's holder gets that token's role, and revoking the member token ends the grant on the next request", async () => {
    const created = await api("POST", "/workspaces/eng/tokens", { name: "reader", role: "read-only" });
    const provider = new TestProvider(created.token as string, { memberWorkspace: "eng" });
    const client = await oauthConnect(provider);
    // read-only sees no tool unannotated as read-only (the fixture annotates none).
    expect((await client.listTools()).tools).toEqual([]);
    expect(await gatewayStatus(provider.saved!.access_token)).toBe(200);
    await api("DELETE", `/workspaces/eng/tokens/${created.info.id}`);
    expect(await gatewayStatus(provider.saved!.access_token)).toBe(401);
    const refreshed = await tokenRequest({ grant_type: "refresh_token", refresh_token: provider.saved!.refresh_token!, client_id: provider.info!.client_id });
    expect(refreshed.body.error).toBe("invalid_grant");
    await client.close().catch(() => {});
  });
});

describe("codes and tokens that must get nothing", () => {
  it("a replayed code is refused and revokes what its first use issued", async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(clientId);
    const fields = { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId };
    const first = await tokenRequest(fields);
    expect(first.status).toBe(200);
    expect(await gatewayStatus(first.body.access_token)).toBe(200);
    expect(await tokenRequest(fields)).toMatchObject({ status: 400, body: { error: "invalid_grant" } });
    expect(await gatewayStatus(first.body.access_token)).toBe(401);
  });

  it("a forged code, a wrong verifier, another client's code, or another redirect URI get nothing", async () => {
    const clientId = await register();
    const otherClient = await register();
    const forged = await tokenRequest({ grant_type: "authorization_code", code: randomBytes(32).toString("hex"), code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: clientId });
    expect(forged).toMatchObject({ status: 400, body: { error: "invalid_grant" } });

    const a = await codeFor(clientId);
    expect((await tokenRequest({ grant_type: "authorization_code", code: a.code, code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: clientId })).body.error).toBe("invalid_grant");
    const b = await codeFor(clientId);
    expect((await tokenRequest({ grant_type: "authorization_code", code: b.code, code_verifier: b.verifier, redirect_uri: REDIRECT, client_id: otherClient })).body.error).toBe("invalid_grant");
    const c = await codeFor(clientId);
    expect((await tokenRequest({ grant_type: "authorization_code", code: c.code, code_verifier: c.verifier, redirect_uri: `${REDIRECT}/x`, client_id: clientId })).body.error).toBe("invalid_grant");
  });

  it("another account cannot grant a workspace it does not own", async () => {
    const other = await api("POST", "/accounts", { name: "mallory" });
    const key = other.key.token as string;
    const clientId = await register();
    const opened = await fetch(authorizeUrl(clientId, pkce().challenge), { redirect: "manual" });
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    const requestId = /name="request" value="([0-9a-f]+)"/.exec(await opened.text())![1]!;
    const post = (fields: Record<string, string>) =>
      fetch(`${server.url}/oauth/authorize`, { method: "POST", redirect: "manual", headers: { "content-type": "application/x-www-form-urlencoded", cookie }, body: new URLSearchParams({ request: requestId, ...fields }) });
    const chooser = await (await post({ action: "signin", credential: key })).text();
    expect(chooser).toContain("does not own workspace &quot;eng&quot;");
    const allow = await post({ action: "allow", workspace: "eng" });
    expect(allow.status).toBe(200);
    expect(allow.headers.get("location")).toBeNull();
  });

  it("a consent form from another browser (no cookie, or another's) finds nothing; a second Allow finds nothing", async () => {
    const clientId = await register();
    const opened = await fetch(authorizeUrl(clientId, pkce().challenge), { redirect: "manual" });
    const requestId = /name="request" value="([0-9a-f]+)"/.exec(await opened.text())![1]!;
    const cookie = opened.headers.get("set-cookie")!.split(";")[0]!;
    const other = (await fetch(authorizeUrl(clientId, pkce().challenge), { redirect: "manual" })).headers.get("set-cookie")!.split(";")[0]!;
    const post = (cookieHeader: string | null, fields: Record<string, string>, origin?: string) =>
      fetch(`${server.url}/oauth/authorize`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...(cookieHeader ? { cookie: cookieHeader } : {}), ...(origin ? { origin } : {}) },
        body: new URLSearchParams({ request: requestId, ...fields }),
      });
    for (const c of [null, other]) {
      const res = await post(c, { action: "signin", credential: admin });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("expired or was opened in another browser");
    }
    expect((await post(cookie, { action: "signin", credential: admin }, "http://evil.example")).status).toBe(403);
    await post(cookie, { action: "signin", credential: admin });
    expect((await post(cookie, { action: "allow", workspace: "eng" })).status).toBe(302);
    expect((await post(cookie, { action: "allow", workspace: "eng" })).status).toBe(400);
  });

  it("redirect URIs match exactly, PKCE is S256 only, and the resource must be a gateway here", async () => {
    const clientId = await register();
    const notExact = await fetch(authorizeUrl(clientId, pkce().challenge, { redirect_uri: `${REDIRECT}?x=1` }), { redirect: "manual" });
    expect(notExact.status).toBe(400);
    expect(notExact.headers.get("location")).toBeNull();
    const plain = await fetch(authorizeUrl(clientId, pkce().verifier.slice(0, 43), { code_challenge_method: "plain" }), { redirect: "manual" });
    expect(new URL(plain.headers.get("location")!).searchParams.get("error")).toBe("invalid_request");
    const elsewhere = await fetch(authorizeUrl(clientId, pkce().challenge, { resource: "https://example.com/ws/eng" }), { redirect: "manual" });
    expect(new URL(elsewhere.headers.get("location")!).searchParams.get("error")).toBe("invalid_target");
    const badRegistration = await fetch(`${server.url}/oauth/register`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ redirect_uris: ["http://example.com/cb"] }) });
    expect(((await badRegistration.json()) as Json).error).toBe("invalid_redirect_uri");
  });

  it("revocation (RFC 7009) refuses the access token on its next request", async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(clientId);
    const issued = (await tokenRequest({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId })).body;
    expect(await gatewayStatus(issued.access_token)).toBe(200);
    const res = await fetch(`${server.url}/oauth/revoke`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ token: issued.access_token, client_id: clientId }) });
    expect(res.status).toBe(200);
    expect(await gatewayStatus(issued.access_token)).toBe(401);
    expect((await tokenRequest({ grant_type: "refresh_token", refresh_token: issued.refresh_token, client_id: clientId })).body.error).toBe("invalid_grant");
  });
});

describe("client ID metadata documents", () => {
  it("a client named by its document's URL is fetched (loopback here) and may sign in; a document naming another URL is refused", async () => {
    const { code, verifier } = await codeFor(docUrl);
    const issued = await tokenRequest({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: docUrl });
    expect(issued.status, JSON.stringify(issued.body)).toBe(200);
    expect(await gatewayStatus(issued.body.access_token)).toBe(200);
    const liar = docUrl.replace("client.json", "liar.json");
    const refused = await fetch(authorizeUrl(liar, pkce().challenge), { redirect: "manual" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("client_id is not its own URL");
  });
});

describe("at rest", () => {
  it("no access token, refresh token or code is stored in the clear", async () => {
    const clientId = await register();
    const { code, verifier } = await codeFor(clientId);
    const issued = (await tokenRequest({ grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: clientId })).body;
    expect(await gatewayStatus(issued.access_token)).toBe(200);
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(dir, e.name));
        else files.push(join(dir, e.name));
      }
    };
    await walk(dataDir);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(file);
      for (const secret of [issued.access_token, issued.refresh_token, code]) expect(bytes.includes(Buffer.from(secret)), `${secret.slice(0, 4)}… in ${file}`).toBe(false);
    }
  });
});
