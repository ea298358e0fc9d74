/** `aerostack token revoke <id> --workspace <ws>`: the token is refused from its next request. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { WORKSPACE_OPTION, workspaceName } from "../../core/workspace";

export default defineCommand<{ workspace?: string }>({
  path: ["token", "revoke"],
  description: "Revoke a member token (refused from its next request)",
  args: ["<id>"],
  options: [WORKSPACE_OPTION],
  examples: ["aerostack token revoke tok_1a2b3c4d5e6f --workspace eng"],
  async handler({ args, options, out }) {
    const ws = workspaceName(options.workspace);
    const id = args[0]!;
    await (await connect()).revokeWorkspaceToken(ws, id);
    out.result({ workspace: ws, revoked: id }, () => out.info(`${out.color.green("✔")} Revoked ${id} in ${ws}; its next request is refused.`));
  },
});
