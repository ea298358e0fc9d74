/**
 * Every template, scaffolded: the new project's package.json names only what installs on any machine (the npm
 * registry, or the runtime tarball `init` writes into `vendor/`), never a path of this machine or a package that is on
 * no registry (the `aerostack` CLI is installed per machine).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listTemplates, scaffoldProject } from "./scaffold";

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "aerostack-scaffold-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

it("each template's project depends on registry packages and its vendored runtime only", async () => {
  const templates = await listTemplates();
  expect(templates.length).toBeGreaterThan(0);
  for (const template of templates) {
    const result = await scaffoldProject({ template: template.name, dir: template.name, cwd: work });
    const pkg = JSON.parse(await readFile(join(result.dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    const deps = { ...pkg.dependencies, ...pkg.devDependencies };
    for (const [name, spec] of Object.entries(deps)) {
      if (name === "@aerostack/runtime") {
        expect(spec, `${template.name}: ${name}`).toMatch(/^file:vendor\/aerostack-runtime-[\d.]+\.tgz$/);
        expect((await stat(join(result.dir, spec.slice("file:".length)))).isFile()).toBe(true);
      } else {
        // Packages of this repository are on no registry: a project naming one does not install anywhere.
        expect(name, `${template.name} depends on ${name}, which is on no registry`).not.toMatch(/^(aerostack|@aerostack\/.*)$/);
        expect(spec, `${template.name}: ${name}`).toMatch(/^[\^~]?\d+\.\d+\.\d+/);
      }
    }
    expect(JSON.stringify(pkg)).not.toContain(work);
  }
});
