/**
 * `aerostack init`: copies a template into a new folder, atomically, with the project's name filled in, and the
 * runtime it depends on written into the project (`vendor/`) so that the project installs on any machine.
 */
import { cp, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError, UserError } from "../errors";
import { runtimeTarball, runtimeTarballName } from "./runtime-package";
import { SLUG_PATTERN } from "../../shared/config";

const require = createRequire(import.meta.url);

export interface TemplateInfo {
  name: string;
  description: string;
  dir: string;
}

export interface ScaffoldResult {
  dir: string;
  name: string;
  template: string;
  files: string[];
}

/** Files in a template folder that are never copied. */
const SKIP = new Set(["node_modules", "dist", ".aerostack", "package-lock.json"]);

export function templatesRoot(): string {
  return dirname(require.resolve("@aerostack/templates/package.json"));
}

export async function listTemplates(): Promise<TemplateInfo[]> {
  const root = templatesRoot();
  const out: TemplateInfo[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(root, entry.name);
    try {
      await stat(join(dir, "aerostack.toml"));
    } catch {
      continue;
    }
    let description = "";
    try {
      description = (JSON.parse(await readFile(join(dir, "package.json"), "utf8")) as { description?: string }).description ?? "";
    } catch {
      // A template without package.json still scaffolds; it just has no description.
    }
    out.push({ name: entry.name, description, dir });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** A name derived from a folder: lowercased, runs of other characters turned into dashes, trimmed to 32. */
export function slugFromDir(dir: string): string {
  return basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 32)
    .replace(/-+$/, "");
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(join(dir, entry.name), rel)));
    else files.push(rel);
  }
  return files;
}

export async function scaffoldProject(options: { template: string; dir: string; name?: string; cwd: string }): Promise<ScaffoldResult> {
  const templates = await listTemplates();
  const template = templates.find((t) => t.name === options.template);
  if (!template) {
    throw new UsageError(`Unknown template "${options.template}". Available: ${templates.map((t) => t.name).join(", ")}.`, {
      hint: `For example: \`aerostack init my-app --template ${templates[0]?.name ?? "function"}\`.`,
    });
  }
  const dir = resolve(options.cwd, options.dir);
  const name = options.name ?? slugFromDir(dir);
  if (!SLUG_PATTERN.test(name)) {
    throw new UsageError(`"${name}" is not a valid project name: use 1-32 lowercase letters, digits and dashes, not starting or ending with a dash.`, {
      hint: "Pass one with `--name my-app`.",
    });
  }
  try {
    const existing = await readdir(dir);
    if (existing.length > 0) {
      throw new UserError(`${options.dir} already exists and is not empty.`, { hint: "Pick a new folder name, or empty that one first." });
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }

  // Built in a sibling folder and renamed into place: an interrupted init leaves nothing half-written.
  const staging = join(dirname(dir), `.${basename(dir)}.aerostack-init-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(dirname(dir), { recursive: true });
  try {
    await cp(template.dir, staging, { recursive: true, filter: (src) => !SKIP.has(basename(src)) });
    const files = await listFiles(staging);
    for (const rel of files) {
      const path = join(staging, rel);
      if (rel === "_gitignore" || rel.endsWith("/_gitignore")) {
        // npm drops .gitignore files from packages, so templates ship it as _gitignore.
        await rename(path, join(dirname(path), ".gitignore"));
        continue;
      }
      if (!/\.(ts|js|json|toml|md|sql|txt)$/.test(rel)) continue;
      const text = await readFile(path, "utf8");
      let next = text.replaceAll("{{name}}", name);
      // Templates carry a real name so they run (and test) in place; the new project's replaces it.
      if (rel === "aerostack.toml") next = next.replace(/^name\s*=\s*"[^"]*".*$/m, `name = "${name}"`);
      if (next !== text) await writeFile(path, next);
    }
    const pkgPath = join(staging, "package.json");
    const pkg = JSON.parse(await readFile(pkgPath, "utf8")) as Record<string, Record<string, string> | string>;
    pkg.name = name;
    // The runtime is on no registry: the project carries the one this CLI runs with, as a tarball it depends on by a
    // relative path (the lockfile records that path and the tarball's hash), never a path of this machine. The CLI
    // itself is not a dependency: it is installed once per machine (README, "Install").
    const needsRuntime = (["dependencies", "devDependencies"] as const).some((field) => typeof pkg[field] === "object" && "@aerostack/runtime" in pkg[field]);
    if (needsRuntime) {
      const { version, data } = await runtimeTarball();
      const vendored = `vendor/${runtimeTarballName(version)}`;
      await mkdir(join(staging, "vendor"), { recursive: true });
      await writeFile(join(staging, vendored), data);
      for (const field of ["dependencies", "devDependencies"] as const) {
        const deps = pkg[field];
        if (typeof deps === "object" && "@aerostack/runtime" in deps) deps["@aerostack/runtime"] = `file:${vendored}`;
      }
    }
    await writeFile(pkgPath, `${JSON.stringify(pkg, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return { dir, name, template: template.name, files: (await listFiles(dir)).sort() };
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
}
