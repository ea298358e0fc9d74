/** `aerostack hub info @account/name [--version v]`: a package's manifest, versions and README. */
import { packageParams } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand<{ version?: string }>({
  path: ["hub", "info"],
  description: "Show a Hub package: tools, resources, prompts, required secrets, versions and README",
  args: ["<package>"],
  options: [{ flags: "--version <v>", description: "this version (default the newest installable)" }],
  async handler({ args, options, out }) {
    const { scope, name } = packageParams(args[0]);
    const info = await (await connect()).call("hubInfo", { params: { scope, name }, query: options.version ? { version: options.version } : {} });
    out.result(info, () => {
      out.info(`${out.color.bold(`${info.name}@${info.version}`)}  ${info.kind}, ${info.visibility}${info.yanked ? out.color.red(" yanked") : ""}${info.deprecated ? out.color.yellow(` deprecated: ${info.deprecated}`) : ""}`);
      if (info.summary) out.info(info.summary);
      out.info("tools:");
      for (const t of info.manifest.tools) out.info(`  ${t.name}  ${out.color.dim(t.description)}`);
      if (info.manifest.secrets.length) out.info(`secrets each workspace supplies: ${info.manifest.secrets.map((s) => s.name).join(", ")}`);
      out.info(`versions: ${info.versions.map((v) => `${v.version}${v.yanked ? " (yanked)" : ""}`).join(", ")}`);
      if (info.readme) out.info(`\n${info.readme}`);
    });
  },
});
