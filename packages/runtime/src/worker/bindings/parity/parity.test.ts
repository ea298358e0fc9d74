/** Binding parity: the same probe Worker under `wrangler dev --local` and on Aerostack, compared case by case. */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPlatform, type TestPlatform } from "../../../host/testing";

const HERE = dirname(fileURLToPath(import.meta.url));
const PROBE = join(HERE, "probe.js");
const DOCS = join(HERE, "..", "..", "..", "..", "docs");
const WRANGLER = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
/** Messages the probe's sends deliver at once on Cloudflare (one per distinct consumer tag; the 12-hour delay is not). */
const EXPECTED_MESSAGES = 12;

type Outcome = { value: unknown } | { threw: string; name: string; message: string };
type Results = Record<string, Outcome>;

/**
 * Every difference the suite accepts: the case, why the difference is deliberate (or where wrangler's local emulation
 * is not what Cloudflare does), and the doc that says so to users. Each entry must still differ (a fixed one is
 * removed here) and its doc must name the case, so this list and the docs cannot drift apart.
 */
export const ALLOWED_DIFFERENCES: Record<string, { reason: string; doc: string }> = {
  "r2.put.stream-unknown-length": {
    doc: "bindings-cache-storage.md",
    reason:
      "R2 refuses a ReadableStream whose length it cannot know; JavaScript cannot see a stream's length and RPC drops it, so " +
      "refusing here would also refuse request bodies R2 accepts. Aerostack stores any stream (more lenient, documented).",
  },
  "queue.send.delay-too-long": {
    doc: "bindings-queue.md",
    reason:
      "Cloudflare Queues limit delaySeconds to 43200 (12 hours) and refuse more; wrangler's local queue accepts it. " +
      "Aerostack follows Cloudflare (an Error naming the limit), so the mistake shows before deploy.",
  },
  "queue.send.result-keys": {
    doc: "bindings-queue.md",
    reason: "send resolves with Cloudflare's { metadata } plus our job id (sendBatch: ids), for getJob; an addition, nothing removed.",
  },

};

/** What is compared: a value, or the class of what was thrown (messages are ours to make clearer, so they may differ). */
function comparable(outcome: Outcome | undefined): unknown {
  if (outcome === undefined) return { missing: true };
  if ("threw" in outcome) return { threw: outcome.threw, name: outcome.name };
  return { value: outcome.value };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

const WRANGLER_TOML = `# The parity probe's bindings, named as Aerostack names them.
name = "parity"
main = "probe.js"
compatibility_date = "2025-09-01"

[[d1_databases]]
binding = "DB"
database_name = "parity-db"
database_id = "00000000-0000-0000-0000-000000000000"

[[kv_namespaces]]
binding = "CACHE"
id = "00000000000000000000000000000000"

[[queues.producers]]
binding = "QUEUE"
queue = "parity-queue"

[[queues.consumers]]
queue = "parity-queue"
max_batch_size = 100
max_batch_timeout = 0
max_retries = 0

[[r2_buckets]]
binding = "STORAGE"
bucket_name = "parity-bucket"
`;

/** One `wrangler dev --local` for the whole file (its start-up is the suite's main cost), in its own process group. */
async function startWrangler(dir: string): Promise<{ url: string; child: ChildProcess; output: () => string }> {
  await cp(PROBE, join(dir, "probe.js"));
  await writeFile(join(dir, "wrangler.toml"), WRANGLER_TOML);
  const port = await freePort();
  const inspector = await freePort();
  let output = "";
  const child = spawn(
    process.execPath,
    [WRANGLER, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspector), "--persist-to", join(dir, "state")],
    {
      cwd: dir,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        WRANGLER_HIDE_BANNER: "true",
        WRANGLER_LOG_PATH: join(dir, "logs"),
        XDG_CONFIG_HOME: join(dir, "config"),
        CI: "true",
        NO_COLOR: "1",
      },
    },
  );
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  // Polled rather than waiting for a log line: the first 200 is what matters, and it is the same under load.
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited (${child.exitCode}) before serving:\n${output}`);
    const ok = await fetch(`${url}/cases`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`wrangler dev did not serve within 90 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, output: () => output };
}

function stopWrangler(child: ChildProcess | undefined): void {
  if (!child?.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGKILL"); // the group: wrangler's workerd child goes with it
  } catch {
    // already gone
  }
}

type Consumed = { tag: string } & Record<string, unknown>;

/** Polls /consumed until `want` messages arrived (or the deadline), keyed by tag. */
async function consumed(fetchJson: (path: string) => Promise<unknown>, want: number, ms: number): Promise<Record<string, Consumed>> {
  const deadline = Date.now() + ms;
  let seen: Consumed[] = [];
  while (Date.now() < deadline) {
    seen = (await fetchJson("/consumed")) as Consumed[];
    if (seen.length >= want) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return Object.fromEntries(seen.map((c) => [c.tag, c]));
}

let dir: string;
let wrangler: Awaited<ReturnType<typeof startWrangler>> | undefined;
let platform: TestPlatform | undefined;
const theirs: Results = {};
const ours: Results = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aerostack-parity-"));
  const probe = await readFile(PROBE, "utf8");
  // Both sides start at once: wrangler's start-up (~5 s) is the bound on the suite's set-up.
  const [w, p] = await Promise.all([
    startWrangler(dir),
    createTestPlatform().then(async (p) => {
      await p.deployScript("parity", probe, { queue: { maxRetries: 0, maxBatchSize: 100, retryDelaySeconds: 1 } });
      return p;
    }),
  ]);
  wrangler = w;
  platform = p;
  const theirJson = async (path: string) => (await fetch(`${w.url}${path}`)).json();
  const ourJson = async (path: string) => (await p.request("parity", path)).json();
  const [t, o] = await Promise.all([theirJson("/run"), ourJson("/run")]);
  Object.assign(theirs, t);
  Object.assign(ours, o);
  // Cloudflare's side is the reference: once it has every message, ours gets a bounded while to catch up.
  const theirQueue = await consumed(theirJson, EXPECTED_MESSAGES, 30_000);
  const ourQueue = await consumed(ourJson, Object.keys(theirQueue).length, 15_000);
  for (const tag of new Set([...Object.keys(theirQueue), ...Object.keys(ourQueue)])) {
    const name = `queue.consumed.${tag}`;
    if (theirQueue[tag]) theirs[name] = { value: theirQueue[tag] };
    if (ourQueue[tag]) ours[name] = { value: ourQueue[tag] };
  }
  // PARITY_DUMP=<dir> keeps both sides' answers, for reading a difference whole.
  const dump = process.env.PARITY_DUMP;
  if (dump) {
    await writeFile(join(dump, "cloudflare.json"), JSON.stringify(theirs, null, 1));
    await writeFile(join(dump, "aerostack.json"), JSON.stringify(ours, null, 1));
  }
}, 180_000);

afterAll(async () => {
  stopWrangler(wrangler?.child);
  await platform?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("bindings behave as on Cloudflare (wrangler dev --local vs Aerostack)", () => {
  it("ran every probe case on both sides", () => {
    expect(Object.keys(theirs).length).toBeGreaterThan(100);
    expect(Object.keys(ours).filter((name) => !name.startsWith("queue.consumed.")).sort()).toEqual(
      Object.keys(theirs).filter((name) => !name.startsWith("queue.consumed.")).sort(),
    );
    expect(Object.keys(theirs).filter((name) => name.startsWith("queue.consumed.")).length).toBe(EXPECTED_MESSAGES);
  });

  it("answers every case as Cloudflare does, except the listed differences", () => {
    const unexpected: string[] = [];
    const stale: string[] = [];
    for (const name of Object.keys({ ...theirs, ...ours })) {
      const same = JSON.stringify(comparable(theirs[name])) === JSON.stringify(comparable(ours[name]));
      const allowed = name in ALLOWED_DIFFERENCES;
      if (!same && !allowed) {
        unexpected.push(`${name}\n  cloudflare: ${JSON.stringify(theirs[name])}\n  aerostack:  ${JSON.stringify(ours[name])}`);
      }
      if (same && allowed) stale.push(name);
    }
    for (const name of Object.keys(ALLOWED_DIFFERENCES)) if (!(name in theirs) && !(name in ours)) stale.push(`${name} (no such case)`);
    expect(unexpected.join("\n"), "differences not listed in ALLOWED_DIFFERENCES").toBe("");
    expect(stale, "listed differences that no longer differ: remove them from ALLOWED_DIFFERENCES and the docs").toEqual([]);
  });

  it("documents every listed difference in the binding's docs", async () => {
    const missing: string[] = [];
    for (const [name, { doc }] of Object.entries(ALLOWED_DIFFERENCES)) {
      const text = await readFile(join(DOCS, doc), "utf8");
      const section = text.split(/^## Differences from Cloudflare/m)[1] ?? "";
      if (!section.includes(`\`${name}\``)) missing.push(`${doc}: ${name}`);
    }
    expect(missing).toEqual([]);
  });
});
