/**
 * Hostile user code, run in `aerostack dev` and on a listening platform: a loopback port scan, a write through
 * Miniflare's temp-file endpoint, another project's host, a name resolving to loopback, file://, a redirect to our
 * port and a raw socket. Every attempt must fail with an error the user can read; dev still reaches the user's own
 * loopback server. All traffic stays on loopback.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:http";
import { lookup } from "node:dns/promises";
import { hostname, tmpdir } from "node:os";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createTestPlatform, startProject, type ProjectHarness, type TestPlatform } from "../../host/testing";
import { miniflareLoopbackPorts } from "../../host/platform/egress-options";

type Attempt = { kind: "fetch"; url: string; method?: string; body?: string } | { kind: "connect"; address: string };
type Outcome = { status: number; body: string } | { error: string };

// The hostile project: runs each attempt it is sent and reports what happened, verbatim.
const HOSTILE = `
import { connect } from "cloudflare:sockets";
export default {
  async fetch(request) {
    const attempts = await request.json();
    const outcomes = [];
    for (const a of attempts) {
      try {
        if (a.kind === "connect") {
          const socket = connect(a.address);
          await socket.opened;
          outcomes.push({ status: 0, body: "socket opened" });
          await socket.close();
        } else {
          const res = await fetch(a.url, { method: a.method ?? "GET", body: a.body });
          outcomes.push({ status: res.status, body: (await res.text()).slice(0, 200) });
        }
      } catch (err) {
        outcomes.push({ error: String(err && err.name) + ": " + String(err && err.message) });
      }
    }
    return Response.json(outcomes);
  },
};
`;

let fixture: Server;
let fixturePort: number;
let proofDir: string;
let projectRoot: string;
let dev: ProjectHarness;
let platform: TestPlatform;
let permissive: TestPlatform;
/**
 * A name the classifier cannot judge that resolves to 127.0.0.1 here: the machine's host name usually is (in
 * /etc/hosts). Only the connect-time check of the network service can refuse it, as it would a rebinding domain.
 */
const loopbackName = await (async () => {
  const name = hostname().toLowerCase();
  const resolved = await lookup(name, { family: 4 }).catch(() => undefined);
  return resolved && /^127\./.test(resolved.address) && !name.endsWith("localhost") ? name : undefined;
})();

beforeAll(async () => {
  fixture = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    const to = url.searchParams.get("to");
    if (to) res.writeHead(302, { location: to }).end();
    else res.end("fixture ok");
  });
  await new Promise<void>((resolve) => fixture.listen(0, "127.0.0.1", resolve));
  fixturePort = (fixture.address() as { port: number }).port;
  proofDir = await mkdtemp(join(tmpdir(), "aerostack-egress-proof-"));
  projectRoot = await mkdtemp(join(tmpdir(), "aerostack-egress-dev-"));
  await mkdir(join(projectRoot, "src"));
  await writeFile(join(projectRoot, "aerostack.toml"), 'name = "hostile"\nmain = "src/index.js"\n');
  await writeFile(join(projectRoot, "src/index.js"), HOSTILE);
  [dev, platform, permissive] = await Promise.all([
    startProject(projectRoot),
    createTestPlatform({ mode: "platform", port: 0 }),
    createTestPlatform({ mode: "platform", port: 0, egress: { allowPrivate: true } }),
  ]);
  await Promise.all([platform.deployScript("hostile", HOSTILE), platform.deployScript("other", `export default { fetch() { return new Response("other's secret"); } }`), permissive.deployScript("hostile", HOSTILE)]);
});
afterAll(async () => {
  await Promise.all([dev?.close(), platform?.dispose(), permissive?.dispose()]);
  await new Promise((resolve) => fixture?.close(resolve));
  await rm(proofDir, { recursive: true, force: true });
  await rm(projectRoot, { recursive: true, force: true });
});

const portOf = (url: string) => Number(new URL(url).port);
/** Miniflare's temp-file endpoint writes the body to `<tmp>/files/<prefix>/<uuid>.txt`; `../` climbs to our folder. */
const tempFileUrl = (port: number) => `http://127.0.0.1:${port}/core/store-temp-file?prefix=${encodeURIComponent(`${"../".repeat(20)}${proofDir.slice(1)}`)}`;

async function attack(send: (init: RequestInit) => Promise<Response>, attempts: Attempt[]): Promise<Outcome[]> {
  const res = await send({ method: "POST", body: JSON.stringify(attempts) });
  expect(res.status).toBe(200);
  return (await res.json()) as Outcome[];
}
const errorOf = (outcome: Outcome | undefined) => (outcome && "error" in outcome ? outcome.error : `no error: ${JSON.stringify(outcome)}`);

describe("the temp-file endpoint user code must not reach", () => {
  it("writes a file wherever it is told when called from the host (the hole this closes)", async () => {
    const [loopback] = miniflareLoopbackPorts();
    const res = await fetch(tempFileUrl(loopback!), { method: "POST", body: "written by the host" });
    expect(res.status).toBe(200);
    const written = await res.text();
    expect(written.startsWith(proofDir)).toBe(true);
    await rm(written);
    expect(await readdir(proofDir)).toEqual([]);
  });
});

describe("hostile code in aerostack dev", () => {
  it("reaches the user's own loopback server, but not the platform's ports, scanned or named", async () => {
    const own = portOf(dev.url);
    const loopbackPorts = miniflareLoopbackPorts();
    const ports = [own, ...loopbackPorts, fixturePort];
    const outcomes = await attack((init) => dev.fetch("/", init), [
      ...ports.map((port): Attempt => ({ kind: "fetch", url: `http://127.0.0.1:${port}/` })),
      { kind: "fetch", url: `http://localhost:${own}/` },
      { kind: "fetch", url: `http://other.localhost:${own}/` },
      { kind: "fetch", url: `http://[::ffff:127.0.0.1]:${own}/__aerostack/` },
      { kind: "fetch", url: `http://2130706433:${fixturePort}/` },
    ]);
    const byPort = Object.fromEntries(ports.map((port, i) => [port, outcomes[i]]));
    expect(errorOf(byPort[own])).toBe(`TypeError: aerostack egress: 127.0.0.1:${own} is the platform's own port; user code may not reach it`);
    for (const port of loopbackPorts) expect(errorOf(byPort[port])).toBe(`TypeError: aerostack egress: 127.0.0.1:${port} is the platform's own port; user code may not reach it`);
    expect(byPort[fixturePort]).toEqual({ status: 200, body: "fixture ok" });
    const rest = outcomes.slice(ports.length);
    expect(errorOf(rest[0])).toBe(`TypeError: aerostack egress: localhost:${own} is the platform's own port; user code may not reach it`);
    expect(errorOf(rest[1])).toBe(`TypeError: aerostack egress: other.localhost:${own} is the platform's own port; user code may not reach it`);
    expect(errorOf(rest[2])).toBe(`TypeError: aerostack egress: [::ffff:7f00:1]:${own} is the platform's own port; user code may not reach it`);
    expect(rest[3]).toEqual({ status: 200, body: "fixture ok" });
  });

  it("cannot write through Miniflare's temp-file endpoint", async () => {
    const outcomes = await attack(
      (init) => dev.fetch("/", init),
      miniflareLoopbackPorts().map((port): Attempt => ({ kind: "fetch", url: tempFileUrl(port), method: "POST", body: "pwned" })),
    );
    for (const outcome of outcomes) expect(errorOf(outcome)).toMatch(/^TypeError: aerostack egress: 127\.0\.0\.1:\d+ is the platform's own port; user code may not reach it$/);
    expect(await readdir(proofDir)).toEqual([]);
  });

  it("follows no redirect to the platform's port, and refuses file://, metadata and raw sockets", async () => {
    const own = portOf(dev.url);
    const outcomes = await attack((init) => dev.fetch("/", init), [
      { kind: "fetch", url: `http://127.0.0.1:${fixturePort}/?to=${encodeURIComponent(`http://127.0.0.1:${own}/`)}` },
      { kind: "fetch", url: "file:///etc/passwd" },
      { kind: "fetch", url: "http://metadata.google.internal/computeMetadata/v1/" },
      { kind: "connect", address: `127.0.0.1:${fixturePort}` },
    ]);
    expect(errorOf(outcomes[0])).toBe(`TypeError: aerostack egress: 127.0.0.1:${own} is the platform's own port; user code may not reach it`);
    expect(errorOf(outcomes[1])).toBe("TypeError: Fetch API cannot load: file:///etc/passwd");
    expect(errorOf(outcomes[2])).toBe("TypeError: aerostack egress: metadata.google.internal is a cloud metadata address; user code may never reach it");
    expect(errorOf(outcomes[3])).toBe("TypeError: Incoming CONNECT on a worker not supported");
  });
});

describe("hostile code on the platform (public addresses only)", () => {
  it("reaches nothing on loopback: scan, own ports, other projects, localhost, a name resolving to 127.0.0.1", async () => {
    const own = portOf(platform.url);
    const ports = [own, ...miniflareLoopbackPorts(), fixturePort, fixturePort + 1];
    const outcomes = await attack((init) => platform.fetch(`http://hostile.test.localhost:${own}/`, init), [
      ...ports.map((port): Attempt => ({ kind: "fetch", url: `http://127.0.0.1:${port}/` })),
      { kind: "fetch", url: `http://other.test.localhost:${own}/` },
      { kind: "fetch", url: `http://other.test.localhost:${fixturePort}/` },
      { kind: "fetch", url: `http://localhost:${fixturePort}/` },
      { kind: "fetch", url: `http://[::1]:${fixturePort}/` },
      { kind: "fetch", url: `http://0x7f.1:${fixturePort}/` },
    ]);
    ports.forEach((port, i) => {
      const expected =
        port === fixturePort || port === fixturePort + 1
          ? `TypeError: aerostack egress: 127.0.0.1 is a loopback address; this platform lets user code reach public addresses only (start it with aerostack platform start --allow-private-egress to allow private networks)`
          : `TypeError: aerostack egress: 127.0.0.1:${port} is the platform's own port; user code may not reach it`;
      expect(errorOf(outcomes[i]), `port ${port}`).toBe(expected);
    });
    const rest = outcomes.slice(ports.length);
    expect(errorOf(rest[0])).toBe(`TypeError: aerostack egress: other.test.localhost:${own} is the platform's own port; user code may not reach it`);
    const publicOnly = "this platform lets user code reach public addresses only (start it with aerostack platform start --allow-private-egress to allow private networks)";
    expect(errorOf(rest[1])).toBe(`TypeError: aerostack egress: other.test.localhost is a loopback address; ${publicOnly}`);
    expect(errorOf(rest[2])).toBe(`TypeError: aerostack egress: localhost is a loopback address; ${publicOnly}`);
    expect(errorOf(rest[3])).toBe(`TypeError: aerostack egress: [::1] is a loopback address; ${publicOnly}`);
    expect(errorOf(rest[4])).toBe(`TypeError: aerostack egress: 127.0.0.1 is a loopback address; ${publicOnly}`);
  });

  it.skipIf(!loopbackName)("refuses a DNS name resolving to 127.0.0.1 at connect time (no literal to judge)", async () => {
    const own = portOf(platform.url);
    const [outcome] = await attack((init) => platform.fetch(`http://hostile.test.localhost:${own}/`, init), [
      { kind: "fetch", url: `http://${loopbackName}:${fixturePort}/` },
    ]);
    // The name goes to the public-only network service, whose allow list refuses the resolved 127.0.0.1.
    expect(errorOf(outcome)).toBe(
      `TypeError: aerostack egress: could not connect to ${loopbackName}:${fixturePort}: nothing answered, or the address it resolves to is not one user code may reach (only public addresses are allowed)`,
    );
  });

  it("cannot write through the temp-file endpoint, read files, or open sockets", async () => {
    const own = portOf(platform.url);
    const outcomes = await attack((init) => platform.fetch(`http://hostile.test.localhost:${own}/`, init), [
      ...miniflareLoopbackPorts().map((port): Attempt => ({ kind: "fetch", url: tempFileUrl(port), method: "POST", body: "pwned" })),
      { kind: "fetch", url: "file:///etc/passwd" },
      { kind: "connect", address: `127.0.0.1:${fixturePort}` },
      { kind: "connect", address: `localhost:${own}` },
    ]);
    const sockets = outcomes.splice(-3);
    for (const outcome of outcomes) expect(errorOf(outcome)).toMatch(/^TypeError: aerostack egress: 127\.0\.0\.1:\d+ is the platform's own port; user code may not reach it$/);
    expect(errorOf(sockets[0])).toBe("TypeError: Fetch API cannot load: file:///etc/passwd");
    expect(errorOf(sockets[1])).toBe("TypeError: Incoming CONNECT on a worker not supported");
    expect(errorOf(sockets[2])).toBe("TypeError: Incoming CONNECT on a worker not supported");
    expect(await readdir(proofDir)).toEqual([]);
  });
});

describe("a platform started with egress.allowPrivate", () => {
  it("reaches private and loopback servers (literal or by name), still never its own ports", async () => {
    const own = portOf(permissive.url);
    const outcomes = await attack((init) => permissive.fetch(`http://hostile.test.localhost:${own}/`, init), [
      { kind: "fetch", url: `http://127.0.0.1:${fixturePort}/` },
      { kind: "fetch", url: `http://localhost:${own}/` },
      ...(loopbackName ? [{ kind: "fetch", url: `http://${loopbackName}:${fixturePort}/` } as Attempt] : []),
    ]);
    expect(outcomes[0]).toEqual({ status: 200, body: "fixture ok" });
    expect(errorOf(outcomes[1])).toBe(`TypeError: aerostack egress: localhost:${own} is the platform's own port; user code may not reach it`);
    if (loopbackName) expect(outcomes[2]).toEqual({ status: 200, body: "fixture ok" });
  });
});
