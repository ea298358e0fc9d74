/** `aerostack workspace accept <ws> <member> [--tool T]`: accept a proxied member's tools that changed under us. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { findMember, printWorkspace, workspaceName } from "../../core/workspace";

export default defineCommand<{ tool?: string }>({
  path: ["workspace", "accept"],
  description: "Accept a proxied member's tools whose description, schema or annotations changed (withheld until then)",
  args: ["<workspace>", "<member>"],
  options: [{ flags: "--tool <name>", description: "accept only this tool (default: every changed tool of the member)" }],
  examples: ["aerostack workspace show eng", "aerostack workspace accept eng stripe --tool create_refund"],
  async handler({ args, options, out }) {
    const ws = workspaceName(args[0], "the workspace");
    const member = args[1]!;
    const client = await connect();
    const before = findMember(await client.getWorkspace(ws), member).changedTools.map((t) => t.tool);
    const info = await client.acceptTools(ws, member, options.tool !== undefined ? { tool: options.tool } : {});
    const still = new Set(findMember(info, member).changedTools.map((t) => t.tool));
    const accepted = before.filter((t) => !still.has(t));
    out.result(info, () => {
      if (accepted.length === 0) out.info(`${member} has no changed tools to accept.`);
      else out.info(`${out.color.green("✔")} Accepted ${accepted.map((t) => `${member}__${t}`).join(", ")} in ${out.color.bold(ws)}: the gateway serves ${accepted.length > 1 ? "them" : "it"} again`);
      printWorkspace(out, info);
    });
  },
});
