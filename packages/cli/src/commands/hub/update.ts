/** `aerostack hub update @account/name[@version] --workspace ws [--yes]`: moves an install, showing changed tools first. */
import { formatToolChanges, packageParams } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { workspaceName } from "../../core/workspace";

export default defineCommand<{ workspace?: string; as?: string; yes?: boolean }>({
  path: ["hub", "update"],
  description: "Move an installed package to another version; changed tools are shown and need --yes",
  args: ["<package[@version]>"],
  options: [
    { flags: "--workspace <name>", description: "the workspace (required)" },
    { flags: "--as <slug>", description: "the member slug it is installed as (default the package's name)" },
    { flags: "--yes", description: "accept changed tools (names, descriptions, schemas, annotations)" },
  ],
  async handler({ args, options, out }) {
    const { scope, name, version } = packageParams(args[0]);
    const workspace = workspaceName(options.workspace, "--workspace");
    const body = { workspace, yes: options.yes === true, ...(version ? { version } : {}), ...(options.as ? { as: options.as } : {}) };
    const result = await (await connect()).call("hubUpdate", { params: { scope, name }, body });
    out.result(result, () => {
      const applied = result.migrations?.applied ?? [];
      if (result.previousVersion === result.version) {
        out.info(`${result.name} is already at ${result.version} in ${workspace}.`);
        if (applied.length) out.info(`  database: applied ${applied.join(", ")}`);
        return;
      }
      for (const line of formatToolChanges(result.changes)) out.info(line);
      if (result.needsConfirmation) {
        out.warn(`${result.name} ${result.previousVersion} → ${result.version} changes the tools above; ${workspace} keeps serving ${result.previousVersion}.`);
        out.info(`Review them, then run: aerostack hub update ${result.name}@${result.version} --workspace ${workspace} --yes`);
      } else {
        out.info(`${out.color.green("✔")} ${result.name} ${result.previousVersion} → ${result.version} in ${workspace}`);
        if (applied.length) out.info(`  database: applied ${applied.join(", ")}`);
      }
    });
    // Nothing moved: the command did not do what was asked, whatever the output mode.
    return result.needsConfirmation ? 1 : 0;
  },
});
