// The dashboard's projects, workflow-run and hub pages in a real browser (Debian chromium via playwright-core) against
// a real platform on loopback, each done by clicking and checked against the platform's API afterwards: a project's
// deployments listed and rolled back; a waiting run's trace shown as a tree and approved; a Hub package found by what
// its tools do, its details read, installed into a workspace at an older version, and updated only after the
// tool-by-tool difference was shown. Screenshots go to test-results/dashboard-pages/.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { startPlatformServer, type PlatformServer } from "../../host/platform/server";
import { DEFAULT_SETTINGS } from "../../host/testing";
import { PROJECT_MCP_SERVER } from "../gateway/fixtures/project-server";

const CHROMIUM = "/usr/bin/chromium";
const HAVE_CHROMIUM = existsSync(CHROMIUM);
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), "../../../../../test-results/dashboard-pages");

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

let server: PlatformServer;
let browser: Browser;
let page: Page;
let account: string;
let runId: string;

/** The second version's code: its `add` tool describes itself differently (what the update's difference shows). */
const CHANGED = PROJECT_MCP_SERVER.replace('"Adds a and b"', '"Adds a and b, then reports the sum to a third party"');

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${server.url}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Json;
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

describe.skipIf(!HAVE_CHROMIUM)("dashboard pages in chromium: projects, workflow runs, hub", () => {
  beforeAll(async () => {
    await mkdir(SHOTS, { recursive: true });
    server = await startPlatformServer({ dataDir: await mkdtemp(join(tmpdir(), "aerostack-dash-pages-")), port: 0, host: "127.0.0.1", baseDomain: "localhost", onLog: () => {} });
    account = (await api("GET", "/whoami")).account as string;
    // Two deployments of one project, each published to the Hub as it was deployed.
    expect(PROJECT_MCP_SERVER).toContain('"Adds a and b"');
    await api("POST", "/projects/calc/deployments", { version: "c1", code: PROJECT_MCP_SERVER, settings: DEFAULT_SETTINGS, message: "first" });
    await api("POST", "/hub/packages", { project: "calc", version: "1.0.0", description: "Arithmetic for agents" });
    await api("POST", "/projects/calc/deployments", { version: "c2", code: CHANGED, settings: DEFAULT_SETTINGS, message: "second" });
    await api("POST", "/hub/packages", { project: "calc", version: "1.1.0", description: "Arithmetic for agents" });
    await api("POST", "/workspaces", { name: "eng" });
    // A workflow that waits for a person's decision, and one run of it waiting.
    await api("PUT", "/workflows/approve", {
      definition: {
        name: "approve",
        nodes: [{ id: "start", type: "trigger" }, { id: "ask", type: "human_handoff", config: { message: "Ship it?", waitMs: 3_600_000 } }, { id: "yes", type: "end", config: { output: "shipped" } }, { id: "no", type: "end", config: { output: "held" } }],
        edges: [{ from: "start", to: "ask" }, { from: "ask", to: "yes", on: "approved" }, { from: "ask", to: "no", on: "rejected" }],
      },
    });
    runId = (await api("POST", "/workflows/approve/runs", { input: { change: "v2" } })).id as string;
    // Until the run waits at its human_handoff (beforeAll has no expect.poll).
    for (let waited = 0; (await api("GET", `/runs/${runId}`)).status !== "waiting"; waited += 50) {
      if (waited > 15_000) throw new Error("the run never reached its human_handoff");
      await new Promise((r) => setTimeout(r, 50));
    }

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-background-networking"] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${server.url}/dashboard`);
    await page.getByLabel("Account key").fill(server.adminKey!);
    await page.keyboard.press("Enter");
    await page.getByRole("navigation", { name: "Dashboard" }).waitFor();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it("projects: the deployments of a project, newest first, and a rollback", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Projects" }).click();
    await page.getByRole("link", { name: "calc", exact: true }).click();
    const table = page.getByRole("table", { name: "Stored versions, newest first" });
    await table.waitFor();
    await expect.poll(() => table.locator("tbody tr td:first-child").allTextContents()).toEqual(["c2 active", "c1"]);
    expect(await table.getByRole("cell", { name: "second" }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "01-deployments.png"), fullPage: true });
    await page.getByRole("button", { name: "Roll back to c1" }).click();
    await page.getByRole("status").filter({ hasText: "calc (production) now serves c1." }).waitFor();
    // Wait for the table as stored, not only the status line.
    await expect.poll(() => table.locator("tbody tr td:first-child").allTextContents()).toEqual(["c2", "c1 active"]);
    expect(await page.getByRole("button", { name: "Roll back to c2" }).count()).toBe(1);
    const project = await api("GET", "/projects/calc");
    expect(project.envs.find((e: Json) => e.env === "production").activeVersion).toBe("c1");
    await page.screenshot({ path: join(SHOTS, "02-rolled-back.png"), fullPage: true });
  });

  it("workflow runs: the waiting run's trace as a tree, then approved", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Workflow runs" }).click();
    await page.getByLabel("Workflow").fill("approve");
    await page.getByRole("button", { name: "Show runs" }).click();
    await page.getByRole("link", { name: runId }).click();
    await page.getByRole("heading", { name: "Waiting for a decision at ask" }).waitFor();
    expect(await page.getByRole("region", { name: "Waiting for a decision at ask" }).getByText("Ship it?", { exact: true }).count()).toBe(1);
    const tree = page.getByRole("list", { name: "Trace of the run" });
    // One branch per node visited so far; each opens to its attempts, with input and output.
    const start = tree.locator("summary", { hasText: "start#" });
    await start.waitFor();
    await start.click();
    await expect.poll(async () => (await tree.locator("details[open] pre").allTextContents()).join("\n")).toContain('"change": "v2"');
    expect(await tree.locator("summary", { hasText: "ask#" }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "03-run-waiting.png"), fullPage: true });
    await page.getByLabel("Reason (optional)").fill("looks good");
    await page.getByRole("button", { name: "Approve" }).click();
    await page.getByRole("status").filter({ hasText: "Approved." }).waitFor();
    await expect.poll(async () => (await api("GET", `/runs/${runId}`)).status, { timeout: 15_000 }).toBe("succeeded");
    expect((await api("GET", `/runs/${runId}`)).output).toBe("shipped");
    // The page shows the finished run once it reloads the trace (no approve buttons any more).
    await page.reload();
    await page.getByRole("heading", { name: "Output" }).waitFor();
    expect(await page.getByRole("button", { name: "Approve" }).count()).toBe(0);
    await expect.poll(() => tree.locator("summary", { hasText: "yes#" }).count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "04-run-approved.png"), fullPage: true });
  });

  it("hub: search by what tools do, details, install an older version, the difference before an update", async () => {
    const name = `@${account}/calc`;
    await page.getByRole("navigation").getByRole("link", { name: "Hub" }).click();
    await page.getByLabel("Search packages by what their tools do").fill("add two numbers");
    await page.getByRole("button", { name: "Search" }).click();
    await page.getByRole("status").filter({ hasText: /package(s)? found/ }).waitFor();
    await page.getByRole("link", { name, exact: true }).click();
    await page.getByRole("heading", { name: new RegExp(`^${name} 1\\.1\\.0`) }).waitFor();
    expect(await page.getByText("Adds a and b, then reports the sum to a third party").count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "05-package.png"), fullPage: true });

    // Install 1.0.0 into eng.
    await page.getByLabel("Version").selectOption("1.0.0");
    await page.getByRole("heading", { name: new RegExp(`^${name} 1\\.0\\.0`) }).waitFor();
    await page.getByLabel("Workspace").selectOption("eng");
    await page.getByRole("button", { name: "Install" }).click();
    await page.getByRole("status").filter({ hasText: "Installed in eng." }).waitFor();
    const member = async () => (await api("GET", "/workspaces/eng")).members.find((m: Json) => m.slug === "calc");
    expect((await member()).target).toBe(`${name}@1.0.0`);

    // Ask for 1.1.0: the difference is shown and nothing changes until it is applied.
    await page.getByLabel("Version").selectOption("1.1.0");
    await page.getByRole("heading", { name: new RegExp(`^${name} 1\\.1\\.0`) }).waitFor();
    await page.getByRole("button", { name: "Show the update's difference" }).click();
    const diff = page.getByRole("region", { name: "Update difference" });
    await diff.waitFor();
    expect(await diff.textContent()).toContain("1.0.0 → 1.1.0: 1 tool change");
    expect(await diff.textContent()).toContain('description: "Adds a and b" → "Adds a and b, then reports the sum to a third party"');
    expect((await member()).target).toBe(`${name}@1.0.0`);
    await page.screenshot({ path: join(SHOTS, "06-update-difference.png"), fullPage: true });
    await page.getByRole("button", { name: "Apply the update" }).click();
    await page.getByRole("status").filter({ hasText: "Updated in eng." }).waitFor();
    await expect.poll(async () => (await member()).target).toBe(`${name}@1.1.0`);
    expect(await diff.count()).toBe(0);

    // The installed package's tools get their switches on the workspace page (asked of the pinned deployment).
    await page.goto(`${server.url}/dashboard#/workspaces/eng`);
    await expect.poll(() => page.getByRole("switch", { name: "add", exact: true }).isChecked(), { timeout: 10_000 }).toBe(true);
    expect(await page.getByRole("switch", { name: "headers", exact: true }).count()).toBe(1);
  });
});
