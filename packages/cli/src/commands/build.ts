/** `aerostack build`: bundle the project into a deployable folder (code, source map, manifest). */
import { buildProject } from "@aerostack/runtime";
import { relative } from "node:path";
import { defineCommand } from "../core/command";

interface BuildFlags {
  outdir: string;
  minify?: boolean;
}

export default defineCommand<BuildFlags>({
  path: ["build"],
  description: "Bundle the project into <outdir> (index.js, index.js.map, aerostack.manifest.json)",
  options: [
    { flags: "--outdir <dir>", description: "output folder", default: "dist" },
    { flags: "--minify", description: "minify the bundle" },
  ],
  examples: ["aerostack build", "aerostack build --outdir out --minify"],
  async handler({ options, globals, out }) {
    const result = await buildProject({
      cwd: globals.cwd,
      ...(globals.config ? { configPath: globals.config } : {}),
      outdir: options.outdir,
      minify: options.minify === true,
    });
    out.result(result, () => {
      const c = out.color;
      out.info(`${c.green("✔")} built ${c.bold(result.project)} version ${result.version} in ${Math.round(result.durationMs)} ms`);
      for (const f of result.files) out.info(`  ${relative(globals.cwd, f.path)}  ${c.dim(`${(f.bytes / 1024).toFixed(1)} KiB`)}`);
    });
  },
});
