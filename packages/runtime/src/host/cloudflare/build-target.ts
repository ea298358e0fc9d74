/** `aerostack platform build --target cloudflare`: the built platform worker plus a wrangler config and README, in one folder. */
import { chmod, copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { UsageError, UserError } from "../errors";
import { platformScriptPath } from "../platform/paths";
import { renderWranglerJsonc, wranglerConfig, type WranglerConfig } from "./wrangler-config";
import { deployReadme } from "./deploy-readme";

export const CLOUDFLARE_TARGET = "cloudflare";
/** Every target `platform build` knows; a new one is a folder beside this one plus its name here. */
export const PLATFORM_TARGETS: readonly string[] = [CLOUDFLARE_TARGET];
export const DEFAULT_WORKER_NAME = "aerostack-platform";
export const WRANGLER_CONFIG_FILE = "wrangler.jsonc";
/** Marks a folder this command wrote, so a rebuild may replace it and nothing else is ever overwritten. */
export const BUILD_MARKER_FILE = ".aerostack-platform-build.json";
/** What a user adds to the folder and a rebuild keeps: local secrets for `wrangler dev`, and its local state. */
const KEPT_ON_REBUILD = [".dev.vars", ".wrangler"];

export interface CloudflareBuildOptions {
  outDir: string;
  /** Worker name on Cloudflare (default aerostack-platform); prefixes the R2 bucket name. */
  name?: string;
  /** Domain projects answer under, e.g. `aero.example.com`; routes are written only for a public domain. */
  baseDomain?: string;
}

export interface CloudflareBuildResult {
  target: "cloudflare";
  outDir: string;
  name: string;
  baseDomain: string | null;
  config: string;
  files: { path: string; bytes: number }[];
  r2Buckets: string[];
  secrets: string[];
  routes: string[];
}

/** Worker names are DNS labels; with `-objects` appended the bucket name must still fit R2's 63 characters. */
const WORKER_NAME = /^[a-z0-9](?:[a-z0-9-]{0,53}[a-z0-9])?$/;
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseWorkerName(name: string): string {
  if (!WORKER_NAME.test(name)) {
    throw new UsageError(`--name "${name}" is not a valid Worker name: use 1-55 lowercase letters, digits and dashes, not starting or ending with a dash.`, {
      hint: `For example: --name ${DEFAULT_WORKER_NAME}.`,
    });
  }
  return name;
}

export function parseBaseDomain(value: string): string {
  const domain = value.trim().toLowerCase().replace(/\.$/, "");
  if (domain.length > 253 || !domain.split(".").every((label) => DOMAIN_LABEL.test(label))) {
    throw new UsageError(`--base-domain "${value}" is not a host name: pass the bare domain, without scheme, port or path.`, {
      hint: "For example: --base-domain aero.example.com (projects then answer at <project>.aero.example.com).",
    });
  }
  return domain;
}

/** The folder may be replaced when it is missing, empty, or was written by this command (it holds the marker). */
async function assertReplaceable(outDir: string): Promise<boolean> {
  let entries: string[];
  try {
    if (!(await stat(outDir)).isDirectory()) throw new UserError(`--out ${outDir} is a file, not a folder.`, { hint: "Pass a folder path, such as --out platform-cloudflare." });
    entries = await readdir(outDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  if (entries.length === 0 || entries.includes(BUILD_MARKER_FILE)) return entries.length > 0;
  throw new UserError(`--out ${outDir} is not empty and was not made by \`aerostack platform build\`; refusing to replace it.`, {
    hint: "Pass --out with a new or empty folder, or remove that folder first.",
  });
}

/**
 * Swaps the staged folder in for `outDir`: the old folder moves aside, what a user added to it (KEPT_ON_REBUILD)
 * moves into the new one, then the new one takes its name. Any failure puts the old folder back as it was.
 */
async function swapIn(staging: string, outDir: string, replacing: boolean): Promise<void> {
  if (!replacing) {
    // rename(2) also replaces an empty folder, so a missing or empty --out takes one step.
    await rename(staging, outDir);
    return;
  }
  const aside = `${staging}-old`;
  await rename(outDir, aside);
  const moved: string[] = [];
  try {
    for (const name of KEPT_ON_REBUILD) {
      try {
        await rename(join(aside, name), join(staging, name));
        moved.push(name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
    }
    await rename(staging, outDir);
  } catch (err) {
    for (const name of moved) await rename(join(staging, name), join(aside, name)).catch(() => {});
    await rename(aside, outDir);
    throw err;
  }
  await rm(aside, { recursive: true, force: true });
}

export async function buildCloudflareTarget(options: CloudflareBuildOptions): Promise<CloudflareBuildResult> {
  const outDir = resolve(options.outDir);
  const name = parseWorkerName(options.name ?? DEFAULT_WORKER_NAME);
  const baseDomain = options.baseDomain === undefined ? undefined : parseBaseDomain(options.baseDomain);
  const script = platformScriptPath();
  const replacing = await assertReplaceable(outDir);

  const config: WranglerConfig = wranglerConfig({ name, main: basename(script), ...(baseDomain ? { baseDomain } : {}) });
  // Beside the target, so the final rename stays on one file system.
  await mkdir(dirname(outDir), { recursive: true });
  const staging = await mkdtemp(join(dirname(outDir), `.${basename(outDir)}.building-`));
  try {
    // mkdtemp makes it 0700; the output is an ordinary folder to commit or share.
    await chmod(staging, 0o755);
    const builtDir = dirname(script);
    // The worker, its compiled wasm modules, and the source map (uploaded, so Cloudflare's logs show our sources).
    const copied = (await readdir(builtDir)).filter((f) => f === basename(script) || f === `${basename(script)}.map` || f.endsWith(".wasm"));
    for (const file of copied) await copyFile(join(builtDir, file), join(staging, file));
    const written: Record<string, string> = {
      [WRANGLER_CONFIG_FILE]: renderWranglerJsonc(config),
      "README.md": deployReadme(config),
      ".gitignore": ".dev.vars\n.wrangler/\n",
      [BUILD_MARKER_FILE]: `${JSON.stringify({ by: "aerostack platform build", target: CLOUDFLARE_TARGET, name, baseDomain: baseDomain ?? null, builtAt: new Date().toISOString() }, null, 2)}\n`,
    };
    for (const [file, text] of Object.entries(written)) await writeFile(join(staging, file), text);
    await swapIn(staging, outDir, replacing);
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    throw err;
  }

  const files = await Promise.all(
    (await readdir(outDir)).filter((f) => !KEPT_ON_REBUILD.includes(f)).sort().map(async (f) => ({ path: join(outDir, f), bytes: (await stat(join(outDir, f))).size })),
  );
  return {
    target: CLOUDFLARE_TARGET,
    outDir,
    name,
    baseDomain: baseDomain ?? null,
    config: join(outDir, WRANGLER_CONFIG_FILE),
    files,
    r2Buckets: config.r2_buckets.map((b) => b.bucket_name),
    secrets: config.secrets.required,
    routes: config.routes ?? [],
  };
}
