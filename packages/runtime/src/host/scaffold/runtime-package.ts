/**
 * The `@aerostack/runtime` package as it is shipped: the files of the runtime this CLI runs with (its package.json
 * and its `files`, without tests and test fixtures), found from the runtime's own location, never from a repository
 * layout. `aerostack init` writes them as an npm tarball into a new project (`vendor/`), which then depends on it by a
 * relative `file:` path: the project installs on any machine, offline from us, since the runtime is on no registry.
 * `npm run pack` (scripts/pack.mjs) ships the same files inside the CLI's own tarball.
 */
import { Buffer } from "node:buffer";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { runtimeRoot } from "../platform/paths";
import { gzipTar } from "./tar";

/** Files under the package's `files` folders that are for this repository's tests, not for users. */
const NOT_SHIPPED = [/\.test\.ts$/, /(^|\/)fixtures\//];

interface RuntimeManifest {
  name: string;
  version: string;
  files?: string[];
  dependencies?: Record<string, string>;
  /** Where the CLI's tarball keeps `dependencies` for its bundled copy of the runtime (see scripts/pack.mjs). */
  aerostackDependencies?: Record<string, string>;
}

async function manifest(root: string): Promise<RuntimeManifest> {
  return JSON.parse(await readFile(join(root, "package.json"), "utf8")) as RuntimeManifest;
}

async function walk(root: string, rel: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = `${rel}/${entry.name}`;
    if (entry.isDirectory()) out.push(...(await walk(root, path)));
    else if (entry.isFile() && !NOT_SHIPPED.some((re) => re.test(path))) out.push(path);
  }
  return out;
}

/** The runtime's shipped files, relative to `root` (default: the runtime this code is part of), sorted. */
export async function runtimePackageFiles(root = runtimeRoot()): Promise<string[]> {
  const { files = [] } = await manifest(root);
  const listed = await Promise.all(files.map((folder) => walk(root, folder.replace(/\/+$/, ""))));
  return ["package.json", ...listed.flat().sort()];
}

/** The tarball's file name for `version`: the name `aerostack init` writes under `vendor/`. */
export function runtimeTarballName(version: string): string {
  return `aerostack-runtime-${version}.tgz`;
}

/** The runtime this code is part of, as an npm tarball (`package/…`): its version and the archive's bytes. */
export async function runtimeTarball(root = runtimeRoot()): Promise<{ version: string; data: Buffer }> {
  const { aerostackDependencies, ...pkg } = await manifest(root);
  // The bundled copy's dependencies, back where npm installs them for a project.
  const shipped = { ...pkg, dependencies: pkg.dependencies ?? aerostackDependencies };
  const files = await runtimePackageFiles(root);
  const entries = await Promise.all(
    files.map(async (path) => ({
      path: `package/${path}`,
      data: path === "package.json" ? Buffer.from(`${JSON.stringify(shipped, null, 2)}\n`) : await readFile(join(root, path)),
      executable: ((await stat(join(root, path))).mode & 0o111) !== 0,
    })),
  );
  return { version: pkg.version, data: gzipTar(entries) };
}
