/** deployProject against a real loopback server speaking the wire contract: what a deploy sends, and what it refuses to send. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MAX_BUNDLE_BYTES, type DeployBody } from "../../shared/api";
import { ApiClient } from "../api/client";
import { UsageError, UserError } from "../errors";
import { startApiServer, type ApiServer } from "../fixtures/api-server";
import { deployProject } from "./deploy";

const KEY = `ak_${"k".repeat(40)}`;
let server: ApiServer;
let work: string;

beforeAll(async () => {
  server = await startApiServer();
  work = await mkdtemp(join(tmpdir(), "aerostack-deploy-"));
  server.on("POST /api/v1/projects/shop/deployments", (req) => {
    const body = req.body as DeployBody;
    const env = req.query.get("env") ?? "production";
    return {
      json: {
        project: "shop",
        env,
        version: body.version,
        previousVersion: null,
        url: `http://shop${env === "production" ? "" : `--${env}`}.acme.localhost:8700/`,
        unchanged: false,
        dryRun: body.dryRun ?? false,
        migrations: { applied: (body.migrations ?? []).map((m) => m.name), skipped: [] },
      },
    };
  });
});
afterAll(async () => {
  await server.close();
  await rm(work, { recursive: true, force: true });
});
beforeEach(() => server.requests.splice(0));

async function project(name: string, toml: string, source = "export default { fetch: () => new Response(`hi`) };\n"): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, "src"), { recursive: true });
  await mkdir(join(dir, "migrations"), { recursive: true });
  await writeFile(join(dir, "aerostack.toml"), toml);
  await writeFile(join(dir, "src/index.ts"), source);
  await writeFile(join(dir, "migrations/0002_more.sql"), "ALTER TABLE notes ADD COLUMN at INTEGER;\n");
  await writeFile(join(dir, "migrations/0001_notes.sql"), "CREATE TABLE notes (id INTEGER PRIMARY KEY);\n");
  return dir;
}

const TOML = `name = "shop"
secrets = ["STRIPE_KEY"]
[vars]
MODE = "prod"
KEEP = 1
[env.staging]
secrets = ["STRIPE_KEY", "SENTRY_DSN"]
[env.staging.vars]
MODE = "staging"
`;

const client = () => new ApiClient({ url: server.url, key: KEY });

describe("deployProject", () => {
  it("sends the bundle, source map, env-merged settings, migrations in order and secret names, to ?env=", async () => {
    const cwd = await project("a", TOML);
    const steps: string[] = [];
    const { result } = await deployProject({ cwd, env: "staging", message: "first", client, onStep: (s) => steps.push(s) });
    expect(steps).toEqual(["bundling", "uploading"]);
    expect(result).toMatchObject({ project: "shop", env: "staging", url: "http://shop--staging.acme.localhost:8700/", dryRun: false });
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.query.get("env")).toBe("staging");
    const body = req.body as DeployBody;
    expect(body.code).toContain("hi");
    expect(JSON.parse(body.sourceMap!).sources).toContain("src/index.ts");
    expect(body.settings.vars).toEqual({ MODE: "staging", KEEP: 1 });
    expect(body.requiredSecrets).toEqual(["STRIPE_KEY", "SENTRY_DSN"]);
    expect(body.migrations?.map((m) => m.name)).toEqual(["0001_notes.sql", "0002_more.sql"]);
    expect(body).toMatchObject({ message: "first", dryRun: false, version: result.version });
    expect(JSON.stringify(body)).not.toContain(KEY);

    // Production: the top level; the same code under other settings is another version.
    const prod = await deployProject({ cwd, client, dryRun: true });
    const prodBody = server.requests[1]!.body as DeployBody;
    expect(server.requests[1]!.query.get("env")).toBe("production");
    expect(prodBody.settings.vars).toEqual({ MODE: "prod", KEEP: 1 });
    expect(prodBody.dryRun).toBe(true);
    expect(prod.result.version).not.toBe(result.version);
  });

  it("asks before applying migrations when a confirmer is given, with a dry run first", async () => {
    const cwd = await project("b", TOML);
    let asked: string[] = [];
    await expect(deployProject({ cwd, client, confirmMigrations: async (pending) => ((asked = pending), false) })).rejects.toThrow("Deploy cancelled; nothing changed.");
    expect(asked).toEqual(["0001_notes.sql", "0002_more.sql"]);
    expect(server.requests.map((r) => (r.body as DeployBody).dryRun)).toEqual([true]);
    await deployProject({ cwd, client, confirmMigrations: async () => true });
    expect(server.requests.map((r) => (r.body as DeployBody).dryRun)).toEqual([true, true, false]);
  });

  it("an --env the file does not define is a usage error, and nothing is built or sent", async () => {
    const cwd = await project("c", TOML);
    let made = false;
    const err = await deployProject({ cwd, env: "prod", client: () => ((made = true), client()) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).hint).toContain("production, staging");
    expect(made).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("refuses a bundle over MAX_BUNDLE_BYTES before uploading anything", async () => {
    const big = `export const blob = "${"x".repeat(MAX_BUNDLE_BYTES + 1024)}";\nexport default { fetch: () => new Response(blob.slice(0, 1)) };\n`;
    const cwd = await project("d", TOML, big);
    const err = await deployProject({ cwd, client }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/The bundle is 10\.0 MiB, over the platform's 10\.0 MiB limit; nothing was uploaded/);
    expect(server.requests).toHaveLength(0);
  });

  it("a build error names file and line and sends nothing", async () => {
    const cwd = await project("e", TOML, "export default {\n  fetch( {\n};\n");
    const err = await deployProject({ cwd, client }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toContain("src/index.ts:");
    expect((err as UserError).hint).toContain("aerostack deploy");
    expect(server.requests).toHaveLength(0);
  });
});
