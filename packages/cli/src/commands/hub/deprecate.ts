/** `aerostack hub deprecate @account/name@version [--message text | --undo]`: warns installers; installs keep working. */
import { packageParams, UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand<{ message?: string; undo?: boolean }>({
  path: ["hub", "deprecate"],
  description: "Deprecate a version you published (installs keep working; info and search show the message)",
  args: ["<package@version>"],
  options: [
    { flags: "--message <text>", description: "what installers should do instead (default: \"deprecated\")" },
    { flags: "--undo", description: "lift the deprecation" },
  ],
  async handler({ args, options, out }) {
    const { scope, name, version } = packageParams(args[0]);
    if (!version) throw new UsageError(`Which version? Name it as ${args[0]}@<version>.`);
    const deprecated = options.undo ? "" : (options.message ?? "deprecated");
    const info = await (await connect()).call("hubVersionState", { params: { scope, name, version }, body: { deprecated } });
    out.result(info, () => out.info(`${info.name}@${info.version}: ${info.deprecated ? `deprecated (${info.deprecated})` : "no longer deprecated"}`));
  },
});
