/** `aerostack workspace create <name>`: a new workspace (one gateway URL) with optional settings. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printWorkspace, SETTINGS_OPTIONS, settingsFromFlags, workspaceName, type SettingsFlags } from "../../core/workspace";

export default defineCommand<SettingsFlags>({
  path: ["workspace", "create"],
  description: "Create a workspace: one MCP gateway URL for a team's servers",
  args: ["<name>"],
  options: SETTINGS_OPTIONS,
  examples: ["aerostack workspace create eng", "aerostack workspace create eng --rate-limit 300 --log-retention-days 7"],
  async handler({ args, options, out }) {
    const name = workspaceName(args[0], "a name");
    const settings = settingsFromFlags(options);
    const ws = await (await connect()).createWorkspace(name, Object.keys(settings).length ? settings : undefined);
    out.result(ws, () => {
      out.info(`${out.color.green("✔")} Created workspace ${out.color.bold(ws.name)}`);
      printWorkspace(out, ws);
      out.info(out.color.dim(`\nNext: \`aerostack workspace add ${ws.name} <project>\`, then \`aerostack token create --workspace ${ws.name} --role developer --name <who>\`.`));
    });
  },
});
