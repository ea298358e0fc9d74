/** `aerostack platform build --target cloudflare --out DIR`: the platform worker plus a wrangler config, ready to deploy. */
import { buildCloudflareTarget, DEFAULT_WORKER_NAME, PLATFORM_TARGETS, UsageError } from "@aerostack/runtime";
import { relative, resolve } from "node:path";
import { defineCommand } from "../../core/command";

interface PlatformBuildFlags {
  target?: string;
  out?: string;
  baseDomain?: string;
  name?: string;
}

const TARGETS = PLATFORM_TARGETS.join(", ");

export default defineCommand<PlatformBuildFlags>({
  path: ["platform", "build"],
  description: "Write the platform worker and its deploy config for a target (cloudflare: wrangler.jsonc + README) into --out",
  options: [
    { flags: "--target <target>", description: `where the platform will run: ${TARGETS}` },
    { flags: "--out <dir>", description: "output folder (new, empty, or made by an earlier `platform build`)" },
    { flags: "--base-domain <domain>", description: "domain projects answer under (<project>.<domain>); adds routes for a public domain" },
    { flags: "--name <worker-name>", description: `Worker name on Cloudflare (default ${DEFAULT_WORKER_NAME}); also prefixes the R2 bucket` },
  ],
  examples: [
    "aerostack platform build --target cloudflare --out platform-cf",
    "aerostack platform build --target cloudflare --out platform-cf --base-domain aero.example.com --name aero",
  ],
  async handler({ options, globals, out }) {
    if (options.target === undefined) {
      throw new UsageError(`Which target? Pass --target with one of: ${TARGETS}.`, { hint: "For example: `aerostack platform build --target cloudflare --out platform-cf`." });
    }
    if (!PLATFORM_TARGETS.includes(options.target)) {
      throw new UsageError(`Unknown target "${options.target}" for --target: expected one of ${TARGETS}.`, { hint: "For example: `aerostack platform build --target cloudflare --out platform-cf`." });
    }
    if (options.out === undefined) {
      throw new UsageError("Where to? Pass --out <dir> for the output folder.", { hint: "For example: `aerostack platform build --target cloudflare --out platform-cf`." });
    }
    const result = await buildCloudflareTarget({
      outDir: resolve(globals.cwd, options.out),
      ...(options.name !== undefined ? { name: options.name } : {}),
      ...(options.baseDomain !== undefined ? { baseDomain: options.baseDomain } : {}),
    });
    out.result(result, () => {
      const c = out.color;
      const dir = relative(globals.cwd, result.outDir) || ".";
      out.info(`${c.green("✔")} built ${c.bold(result.name)} for Cloudflare in ${dir}`);
      for (const f of result.files) out.info(`  ${relative(globals.cwd, f.path)}  ${c.dim(`${(f.bytes / 1024).toFixed(1)} KiB`)}`);
      if (result.routes.length) out.info(`  routes: ${result.routes.join(", ")}`);
      out.info("");
      out.info("Next (Workers paid plan; see README.md there):");
      out.info(`  cd ${dir}`);
      for (const bucket of result.r2Buckets) out.info(`  npx wrangler r2 bucket create ${bucket}`);
      for (const secret of result.secrets) out.info(`  openssl rand -hex 32 | npx wrangler secret put ${secret}`);
      out.info("  npx wrangler deploy");
    });
  },
});
