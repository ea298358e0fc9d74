/** `aerostack hub yank @account/name@version [--undo]`: new installs refuse the version; existing ones keep working. */
import { packageParams, UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand<{ undo?: boolean }>({
  path: ["hub", "yank"],
  description: "Yank a version you published: new installs refuse it, workspaces that have it keep serving it",
  args: ["<package@version>"],
  options: [
    { flags: "--undo", description: "make it installable again" },
  ],
  async handler({ args, options, out }) {
    const { scope, name, version } = packageParams(args[0]);
    if (!version) throw new UsageError(`Which version? Name it as ${args[0]}@<version>.`);
    const info = await (await connect()).call("hubVersionState", { params: { scope, name, version }, body: { yanked: !options.undo } });
    out.result(info, () => out.info(`${info.name}@${info.version}: ${info.yanked ? "yanked; new installs refuse it" : "installable again"}`));
  },
});
