/** `aerostack hub install @account/name --workspace ws`: adds the package as a member at a pinned version. */
import { packageParams } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { workspaceName } from "../../core/workspace";

export default defineCommand<{ workspace?: string; as?: string }>({
  path: ["hub", "install"],
  description: "Install a Hub package into a workspace (pinned version; the workspace's own secrets)",
  args: ["<package[@version]>"],
  options: [
    { flags: "--workspace <name>", description: "the workspace (required)" },
    { flags: "--as <slug>", description: "the member slug, the prefix of its tools (default the package's name)" },
  ],
  examples: ["aerostack hub install @acme/weather --workspace eng", "aerostack hub install @acme/weather@1.2.0 --workspace eng"],
  async handler({ args, options, out }) {
    const { scope, name, version } = packageParams(args[0]);
    const workspace = workspaceName(options.workspace, "--workspace");
    const body = { workspace, ...(version ? { version } : {}), ...(options.as ? { as: options.as } : {}) };
    const result = await (await connect()).call("hubInstall", { params: { scope, name }, body });
    out.result(result, () => {
      out.info(`${out.color.green("✔")} Installed ${out.color.bold(`${result.name}@${result.version}`)} in ${workspace} as ${result.member}`);
      out.info(`  tools: ${result.tools.join(", ")}`);
      if (result.migrations?.applied.length) out.info(`  database: applied ${result.migrations.applied.join(", ")}`);
    });
  },
});
