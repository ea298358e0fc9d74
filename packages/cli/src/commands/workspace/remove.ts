/** `aerostack workspace remove <ws> <member>`: take a member out; clients stop seeing its tools. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printWorkspace, workspaceName } from "../../core/workspace";

export default defineCommand({
  path: ["workspace", "remove"],
  description: "Remove a member from a workspace",
  args: ["<workspace>", "<member>"],
  examples: ["aerostack workspace remove eng stripe"],
  async handler({ args, out }) {
    const ws = workspaceName(args[0], "the workspace");
    const member = args[1]!;
    const info = await (await connect()).removeMember(ws, member);
    out.result(info, () => {
      out.info(`${out.color.green("✔")} Removed ${member} from ${out.color.bold(ws)}`);
      printWorkspace(out, info);
    });
  },
});
