/** `aerostack workspace delete <name>`: remove a workspace with its tokens, secrets and log (asks on a terminal, else needs --yes). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { confirmOrFlag, workspaceName } from "../../core/workspace";

export default defineCommand<{ yes?: boolean }>({
  path: ["workspace", "delete"],
  description: "Delete a workspace, its member tokens, secrets and call log",
  args: ["<name>"],
  options: [{ flags: "-y, --yes", description: "do not ask (required without a terminal)" }],
  examples: ["aerostack workspace delete eng", "aerostack workspace delete eng --yes"],
  async handler({ args, options, out, interactive }) {
    const name = workspaceName(args[0], "a name");
    const client = await connect();
    // Checked first, so a typo fails as "not found" rather than after a question about a workspace that is not there.
    const ws = await client.getWorkspace(name);
    await confirmOrFlag({
      interactive,
      yes: options.yes,
      json: out.json,
      question: `Delete workspace ${name} (${ws.members.length} member${ws.members.length === 1 ? "" : "s"}), its tokens, secrets and log? This cannot be undone.`,
      refusal: `Deleting workspace ${name} removes its tokens, secrets and log, and is not undone: confirm with --yes.`,
      flagHint: `\`aerostack workspace delete ${name} --yes\``,
    });
    await client.deleteWorkspace(name);
    out.result({ deleted: name }, () => out.info(`${out.color.green("✔")} Deleted workspace ${name}; its URL and tokens stop working now.`));
  },
});
