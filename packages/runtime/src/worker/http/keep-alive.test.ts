/** An early rejection (auth, Origin, media type, limits, unknown route) leaves the client's kept-alive connection usable. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent, request } from "node:http";
import { createTestPlatform, type TestPlatform } from "../../host/testing";
import { newDevToken } from "../../host/project/workspace";
import { MAX_BODY_BYTES } from "../../shared/jsonrpc";

let dev: TestPlatform;
let onPlatform: TestPlatform;
const token = newDevToken();

beforeAll(async () => {
  [dev, onPlatform] = await Promise.all([
    createTestPlatform({ port: 0, host: "127.0.0.1" }),
    createTestPlatform({ port: 0, host: "127.0.0.1", mode: "platform" }),
  ]);
  await dev.control.putWorkspace("dev", { config: { members: [] } });
  await dev.control.putWorkspaceTokens("dev", { tokens: [{ hash: token.hash, role: "admin", label: "test" }] });
});
afterAll(() => Promise.allSettled([dev?.dispose(), onPlatform?.dispose()]));

interface Sent {
  status: number;
  body: string;
  reused: boolean;
}

/** One request on `agent`, body sent in full; resolves with the answer, or rejects with the socket error (ECONNRESET). */
function send(platform: TestPlatform, agent: Agent, method: string, path: string, headers: Record<string, string>, body?: string): Promise<Sent> {
  const url = new URL(platform.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: Number(url.port), method, path, headers, agent }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, reused: req.reusedSocket }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

// A small body arrives with the headers; a large one is still in flight when an early answer goes out.
const bodies = {
  small: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} }),
  large: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { padding: "x".repeat(256 * 1024) } }),
};
const JSON_HEADERS = { "content-type": "application/json", accept: "application/json, text/event-stream" };

interface Case {
  name: string;
  platform: () => TestPlatform;
  method: string;
  path: string;
  headers: Record<string, string>;
  status: number;
  body?: string;
}

const cases: Case[] = [
  { name: "gateway 401 (no member token)", platform: () => dev, method: "POST", path: "/ws/dev", headers: JSON_HEADERS, status: 401 },
  { name: "gateway 403 (foreign Origin)", platform: () => dev, method: "POST", path: "/ws/dev", headers: { ...JSON_HEADERS, origin: "https://evil.example" }, status: 403 },
  {
    name: "gateway 415 (not JSON)",
    platform: () => dev,
    method: "POST",
    path: "/ws/dev",
    headers: { ...JSON_HEADERS, "content-type": "text/plain", authorization: `Bearer ${token.token}` },
    status: 415,
  },
  {
    name: "gateway 413 (over the body limit)",
    platform: () => dev,
    method: "POST",
    path: "/ws/dev",
    headers: { ...JSON_HEADERS, authorization: `Bearer ${token.token}` },
    status: 413,
    body: JSON.stringify({ padding: "x".repeat(MAX_BODY_BYTES + 1) }),
  },
  { name: "gateway 404 (no such endpoint)", platform: () => dev, method: "POST", path: "/ws/dev/nowhere", headers: JSON_HEADERS, status: 404 },
  { name: "gateway 405 (wrong method)", platform: () => dev, method: "PUT", path: "/ws/dev", headers: JSON_HEADERS, status: 405 },
  { name: "control API 401 (no host token)", platform: () => dev, method: "PUT", path: "/__aerostack/projects/x/deployment", headers: JSON_HEADERS, status: 401 },
  { name: "API 401 (no account key)", platform: () => onPlatform, method: "POST", path: "/api/v1/keys", headers: JSON_HEADERS, status: 401 },
  { name: "API 404 (no such route)", platform: () => onPlatform, method: "POST", path: "/api/v1/nowhere", headers: JSON_HEADERS, status: 404 },
];

describe("early rejections keep the client's kept-alive connection", () => {
  for (const c of cases) {
    for (const [size, body] of c.body ? [["own", c.body] as const] : Object.entries(bodies)) {
      it(`${c.name}, ${size} body: the next request on the same socket succeeds`, async () => {
        const platform = c.platform();
        const agent = new Agent({ keepAlive: true, maxSockets: 1 });
        try {
          const first = await send(platform, agent, c.method, c.path, c.headers, body);
          expect(first.status).toBe(c.status);
          expect(JSON.parse(first.body)).toHaveProperty("error");
          const second = await send(platform, agent, "GET", "/__aerostack/health", { authorization: `Bearer ${platform.token}` });
          expect(second).toMatchObject({ status: 200, reused: true });
        } finally {
          agent.destroy();
        }
      });
    }
  }
});
