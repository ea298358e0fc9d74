/** `aerostack workspace show <name> [--tools]`: a workspace's URL, settings and members (and, with --tools, each member's tools and switches). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printMemberTools, printWorkspace, workspaceName } from "../../core/workspace";

export default defineCommand<{ tools?: boolean }>({
  path: ["workspace", "show"],
  description: "Show a workspace: gateway URL, settings, members and their switches",
  args: ["<name>"],
  options: [{ flags: "--tools", description: "also ask each member for its tools now, with each tool's switch (on/off)" }],
  examples: ["aerostack workspace show eng", "aerostack workspace show eng --tools --json"],
  async handler({ args, options, out }) {
    const client = await connect();
    const name = workspaceName(args[0], "a name");
    const ws = await client.getWorkspace(name);
    if (!options.tools) {
      out.result(ws, () => printWorkspace(out, ws));
      return;
    }
    const { members } = await client.workspaceTools(name);
    out.result({ ...ws, tools: members }, () => {
      printWorkspace(out, ws);
      printMemberTools(out, members);
    });
  },
});
