/** ApiClient against a real loopback HTTP server speaking the wire contract: typed success, ApiError with hints, unreachable, non-JSON. */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startApiServer, wireError, type ApiServer } from "../fixtures/api-server";
import { UserError } from "../errors";
import { ApiClient, ApiError } from "./client";

const KEY = `ak_${"A1b2C3d4E5".repeat(4)}`;
let server: ApiServer;

beforeAll(async () => {
  server = await startApiServer();
});
afterAll(() => server.close());
beforeEach(() => server.requests.splice(0));

/** The ApiError `promise` rejects with. */
async function apiError(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApiError);
  expect(err).toBeInstanceOf(UserError);
  return err as ApiError;
}

describe("ApiClient", () => {
  it("calls a route with the key, path parameters and env, and returns the parsed response", async () => {
    server.on("GET /api/v1/whoami", () => ({ json: { account: "acme", admin: false, key: { id: "k1", name: "laptop" } } }));
    server.on("PUT /api/v1/projects/hello/secrets/STRIPE_KEY", (req) => ({ json: { name: "STRIPE_KEY", updatedAt: `set ${String((req.body as { value: string }).value.length)}` } }));
    const client = new ApiClient({ url: `${server.url}/`, key: KEY });

    expect(await client.whoami()).toEqual({ account: "acme", admin: false, key: { id: "k1", name: "laptop" } });
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);

    const info = await client.putSecret("hello", "staging", "STRIPE_KEY", "sk_test_value");
    expect(info).toEqual({ name: "STRIPE_KEY", updatedAt: "set 13" });
    const put = server.requests[1]!;
    expect(put.query.get("env")).toBe("staging");
    expect(put.headers["content-type"]).toBe("application/json");
    expect(put.body).toEqual({ value: "sk_test_value" });
  });

  it("the generic call() fills defaults from the body schema and encodes path parameters", async () => {
    server.on("POST /api/v1/keys", (req) => ({ json: { id: "k2", name: (req.body as { name: string }).name, createdAt: "2025-01-01T00:00:00Z", token: KEY } }));
    server.on("DELETE /api/v1/keys/a%2Fb", () => ({ json: { ok: true } }));
    const client = new ApiClient({ url: server.url, key: KEY });
    expect((await client.call("createKey", { body: {} })).name).toBe("key");
    expect(await client.call("revokeKey", { params: { id: "a/b" } })).toEqual({ ok: true });
  });

  it("refuses an invalid body before sending anything", async () => {
    const client = new ApiClient({ url: server.url, key: KEY });
    const err = await client
      .deploy("hello", "production", { version: "not a version!", code: "x", settings: { compatibilityDate: "2025-09-01" } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^Not sent: .*version/);
    expect(server.requests).toHaveLength(0);
  });

  it("turns wire errors into ApiError with status, code and a hint naming the fixing command", async () => {
    server.on("GET /api/v1/whoami", () => wireError(401, "unauthorized", "invalid or revoked key"));
    const fromLogin = await apiError(new ApiClient({ url: server.url, key: KEY, keySource: "login" }).whoami());
    expect(fromLogin).toMatchObject({ status: 401, code: "unauthorized", message: "invalid or revoked key", exitCode: 1 });
    expect(fromLogin.hint).toContain("aerostack login");
    const fromEnv = await apiError(new ApiClient({ url: server.url, key: KEY, keySource: "env" }).whoami());
    expect(fromEnv.hint).toContain("AEROSTACK_API_KEY");

    server.on("GET /api/v1/projects/hello/secrets", () => wireError(404, "unknown_env", 'environment "qa" does not exist'));
    const env = await apiError(new ApiClient({ url: server.url, key: KEY, definedEnvs: ["production", "qa"] }).listSecrets("hello", "qa"));
    expect(env).toMatchObject({ status: 404, code: "unknown_env" });
    expect(env.hint).toContain("aerostack deploy --env qa");
    expect(env.hint).toContain("production, qa");

    server.on("POST /api/v1/projects/hello/deployments", () => wireError(422, "missing_secret", "secret STRIPE_KEY is not set"));
    const body = { version: "v1", code: "export default {}", settings: { compatibilityDate: "2025-09-01" }, requiredSecrets: ["STRIPE_KEY", "OTHER"] };
    const secret = await apiError(new ApiClient({ url: server.url, key: KEY }).deploy("hello", "staging", body));
    expect(secret.hint).toContain("`aerostack secret put STRIPE_KEY --env staging`");
    expect(secret.hint).not.toContain("OTHER");

    server.on("GET /api/v1/projects/nope/deployments", () => wireError(404, "project_not_found", "no project nope"));
    const project = await apiError(new ApiClient({ url: server.url, key: KEY }).listDeployments("nope", "production"));
    expect(project).toMatchObject({ status: 404, code: "project_not_found" });
    expect(project.hint).toContain("aerostack deploy");
  });

  it("never prints the key, even when the server quotes it", async () => {
    server.on("GET /api/v1/whoami", (req) => wireError(401, "unauthorized", `bad header ${String(req.headers.authorization)}`));
    const err = await apiError(new ApiClient({ url: server.url, key: KEY }).whoami());
    expect(`${err.message} ${err.hint}`).not.toContain(KEY);
    expect(err.message).toContain("ak_…");
  });

  it("says an unreachable platform is unreachable and how to start one", async () => {
    const gone = await startApiServer();
    const url = gone.url;
    await gone.close();
    const err = await apiError(new ApiClient({ url, key: KEY }).whoami());
    expect(err).toMatchObject({ status: 0, code: "unreachable" });
    expect(err.message).toContain(url);
    expect(err.message).toContain("ECONNREFUSED");
    expect(err.hint).toContain("aerostack platform start");
  });

  it("says a server that is not the API is not the API (non-JSON, or a body that does not fit the schema)", async () => {
    server.on("GET /api/v1/whoami", () => ({ status: 502, type: "text/html", text: "<html><body>Bad gateway</body></html>" }));
    const html = await apiError(new ApiClient({ url: server.url, key: KEY }).whoami());
    expect(html).toMatchObject({ status: 502, code: "bad_response" });
    expect(html.message).toContain("not the Aerostack API");
    expect(html.message).toContain("text/html");

    server.on("GET /api/v1/whoami", () => ({ json: { hello: "world" } }));
    const shape = await apiError(new ApiClient({ url: server.url, key: KEY }).whoami());
    expect(shape).toMatchObject({ status: 200, code: "bad_response" });

    server.on("GET /api/v1/health", () => ({ status: 500, json: { oops: true } }));
    expect(await apiError(new ApiClient({ url: server.url }).health())).toMatchObject({ status: 500, code: "bad_response" });
  });

  it("times out a platform that never answers", async () => {
    server.on("GET /api/v1/health", () => new Promise(() => {}));
    const err = await apiError(new ApiClient({ url: server.url, timeoutMs: 200 }).health());
    expect(err).toMatchObject({ status: 0, code: "timeout" });
  });
});
