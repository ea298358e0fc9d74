/** `aerostack workspace update <name>`: change a workspace's rate limit and call-log settings (only those named). */
import { UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printWorkspace, SETTINGS_OPTIONS, settingsFromFlags, workspaceName, type SettingsFlags } from "../../core/workspace";

export default defineCommand<SettingsFlags>({
  path: ["workspace", "update"],
  description: "Change a workspace's settings: rate limit, argument logging, log retention",
  args: ["<name>"],
  options: SETTINGS_OPTIONS,
  examples: ["aerostack workspace update eng --rate-limit 600", "aerostack workspace update eng --no-log-arguments"],
  async handler({ args, options, out }) {
    const name = workspaceName(args[0], "a name");
    const settings = settingsFromFlags(options);
    if (Object.keys(settings).length === 0) {
      throw new UsageError("Nothing to change: pass --rate-limit, --log-arguments / --no-log-arguments or --log-retention-days.", { hint: `For example: \`aerostack workspace update ${name} --rate-limit 300\`.` });
    }
    const client = await connect();
    // Sent whole: the API's partial settings schema fills the keys left out with their defaults, so sending only
    // the changed ones would reset the others (rate limit back to 120) — see UpdateWorkspaceBodySchema.
    const current = await client.getWorkspace(name);
    const ws = await client.updateWorkspace(name, { ...current.settings, ...settings });
    out.result(ws, () => {
      out.info(`${out.color.green("✔")} Updated ${out.color.bold(ws.name)}`);
      printWorkspace(out, ws);
    });
  },
});
