/** `aerostack workspace show <name>`: a workspace's URL, settings and members. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printWorkspace, workspaceName } from "../../core/workspace";

export default defineCommand({
  path: ["workspace", "show"],
  description: "Show a workspace: gateway URL, settings, members and their switches",
  args: ["<name>"],
  async handler({ args, out }) {
    const ws = await (await connect()).getWorkspace(workspaceName(args[0], "a name"));
    out.result(ws, () => printWorkspace(out, ws));
  },
});
