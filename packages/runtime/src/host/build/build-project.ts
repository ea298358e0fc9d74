/** `aerostack build`: bundles a project into a self-contained folder a deploy uploads as-is. */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { loadProjectConfig } from "../config/load";
import { refuseWorkspaceProject } from "../deploy/deploy-workspace";
import { bundleOnce } from "../bundle/bundle";
import { deploymentSettings, deploymentVersion, readMigrations } from "../project/project";
import { UserError } from "../errors";
import type { DeploymentSettings, Migration } from "../../shared/protocol";

export interface BuildOptions {
  cwd: string;
  configPath?: string;
  outdir: string;
  minify?: boolean;
}

export interface BuildManifest {
  name: string;
  type: string;
  version: string;
  main: "index.js";
  settings: DeploymentSettings;
  migrations: Migration[];
  builtAt: string;
}

export interface BuildResult {
  project: string;
  version: string;
  outdir: string;
  files: { path: string; bytes: number }[];
  durationMs: number;
}

export const MANIFEST_FILE = "aerostack.manifest.json";

export async function buildProject(options: BuildOptions): Promise<BuildResult> {
  const started = performance.now();
  const { config, root } = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  refuseWorkspaceProject(config, "aerostack build");
  const bundle = await bundleOnce({ root, entry: config.main, type: config.type, minify: options.minify ?? false, command: "aerostack build" });
  const settings = deploymentSettings(config);
  const version = deploymentVersion(bundle, settings);
  const manifest: BuildManifest = {
    name: config.name,
    type: config.type,
    version,
    main: "index.js",
    settings,
    migrations: await readMigrations(root, config),
    builtAt: new Date().toISOString(),
  };
  const outdir = resolve(options.cwd, options.outdir);
  if (outdir === root || root.startsWith(`${outdir}/`)) {
    throw new UserError(`--outdir ${options.outdir} would replace the project itself.`, { hint: "Pick a folder inside the project, such as `dist`." });
  }
  // Written beside the target and renamed into place, so a failed build never leaves a half-written folder.
  const staging = join(dirname(outdir), `.${new Date().getTime()}-${process.pid}.aerostack-build`);
  await mkdir(staging, { recursive: true });
  const files: Record<string, string> = {
    "index.js": `${bundle.code}//# sourceMappingURL=index.js.map\n`,
    "index.js.map": bundle.sourceMap,
    [MANIFEST_FILE]: `${JSON.stringify(manifest, null, 2)}\n`,
  };
  try {
    for (const [name, text] of Object.entries(files)) await writeFile(join(staging, name), text);
    await rm(outdir, { recursive: true, force: true });
    await rename(staging, outdir);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  return {
    project: config.name,
    version,
    outdir,
    files: Object.entries(files).map(([name, text]) => ({ path: join(outdir, name), bytes: Buffer.byteLength(text) })),
    durationMs: performance.now() - started,
  };
}
