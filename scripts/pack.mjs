// `npm run pack`: the CLI as one npm tarball, `aerostack-<version>.tgz`, that installs alone on any machine:
//   npm install -g ./aerostack-0.1.0.tgz
// @aerostack/runtime and @aerostack/templates are on no registry, so they travel inside it as bundled dependencies;
// the dependencies they share with the world (miniflare, esbuild, the MCP SDK, …) are the CLI's own, fetched from
// the npm registry by that install. Usage: node scripts/pack.mjs [--out <dir>] (default: the repository root).
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outIndex = process.argv.indexOf("--out");
const outDir = resolve(outIndex === -1 ? root : process.argv[outIndex + 1] ?? ".");
const readJson = async (path) => JSON.parse(await readFile(path, "utf8"));

// Packs what the source says, not a stale bundle.
const built = spawnSync(process.execPath, [join(root, "scripts/build.mjs"), "--if-stale"], { stdio: "inherit" });
if (built.status !== 0) process.exit(built.status ?? 1);

const runtimeDir = join(root, "packages/runtime");
const templatesDir = join(root, "packages/templates");
const cliDir = join(root, "packages/cli");
// The one list of the runtime's shipped files, shared with `aerostack init`'s vendored copy.
const { runtimePackageFiles } = await import(pathToFileURL(join(runtimeDir, "dist/host/index.js")).href);

const cliPkg = await readJson(join(cliDir, "package.json"));
const runtimePkg = await readJson(join(runtimeDir, "package.json"));
const bundled = ["@aerostack/runtime", "@aerostack/templates"];

// The CLI's registry dependencies and the runtime's, in one list: npm installs them beside the bundled runtime,
// which finds them by walking up from its folder. Two ranges for one package would leave one of them unmet.
const dependencies = {};
for (const [name, range] of [...Object.entries(runtimePkg.dependencies ?? {}), ...Object.entries(cliPkg.dependencies ?? {})]) {
  if (dependencies[name] && dependencies[name] !== range) throw new Error(`${name} is wanted as ${dependencies[name]} and ${range}: align packages/runtime and packages/cli`);
  dependencies[name] = range;
}

const stage = await mkdtemp(join(tmpdir(), "aerostack-pack-"));
try {
  const pkg = {
    name: cliPkg.name,
    version: cliPkg.version,
    description: cliPkg.description,
    type: "module",
    license: cliPkg.license,
    engines: (await readJson(join(root, "package.json"))).engines,
    bin: cliPkg.bin,
    files: cliPkg.files,
    dependencies: Object.fromEntries(Object.entries(dependencies).sort(([a], [b]) => a.localeCompare(b))),
    bundleDependencies: bundled,
  };
  await writeFile(join(stage, "package.json"), `${JSON.stringify(pkg, null, 2)}\n`);
  for (const entry of cliPkg.files) await cp(join(cliDir, entry), join(stage, entry), { recursive: true });
  if (await readFile(join(root, "README.md")).catch(() => null)) await cp(join(root, "README.md"), join(stage, "README.md"));

  const runtimeStage = join(stage, "node_modules/@aerostack/runtime");
  for (const rel of await runtimePackageFiles(runtimeDir)) {
    await mkdir(dirname(join(runtimeStage, rel)), { recursive: true });
    await cp(join(runtimeDir, rel), join(runtimeStage, rel));
  }
  // npm takes every dependency (or peer) of a bundled package to be inside the bundle too, and installs none of them,
  // leaving empty folders. So the bundled runtime names them under a key npm ignores, and the CLI's list above, which
  // holds them all, is what gets installed; `aerostack init` restores the key when it vendors this runtime.
  const { dependencies: aerostackDependencies, ...bundledRuntimePkg } = runtimePkg;
  await writeFile(join(runtimeStage, "package.json"), `${JSON.stringify({ ...bundledRuntimePkg, aerostackDependencies }, null, 2)}\n`);
  const skip = new Set(["node_modules", "dist", ".aerostack", "package-lock.json"]);
  const templatesStage = join(stage, "node_modules/@aerostack/templates");
  await cp(templatesDir, templatesStage, { recursive: true, filter: (src) => !skip.has(basename(src)) });
  // Each template folder by name: npm's file list of a bundled package does not expand the source's `*/`.
  const folders = (await readdir(templatesStage, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  const templatesPkg = await readJson(join(templatesDir, "package.json"));
  await writeFile(join(templatesStage, "package.json"), `${JSON.stringify({ ...templatesPkg, files: folders.sort() }, null, 2)}\n`);

  await mkdir(outDir, { recursive: true });
  const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", outDir], { cwd: stage, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (packed.status !== 0) throw new Error(`npm pack failed (exit ${packed.status ?? packed.signal})`);
  const [{ filename, size, unpackedSize }] = JSON.parse(packed.stdout);
  const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  console.log(`aerostack: packed ${join(outDir, filename)} (${mb(size)}, ${mb(unpackedSize)} unpacked)`);
  console.log(`  install it with: npm install -g ${join(outDir, filename)}`);
} finally {
  await rm(stage, { recursive: true, force: true });
}
