/** `aerostack rollback [VERSION]`: make an earlier stored version live again (default: the one before the live one). */
import { resolveTarget } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../core/platform";

export default defineCommand<TargetFlags>({
  path: ["rollback"],
  description: "Make an earlier version live (default: the one before the live one); data and secrets are kept",
  args: ["[version]"],
  options: [ENV_OPTION, PROJECT_OPTION],
  examples: ["aerostack rollback", "aerostack rollback 3f2a1b9c0d1e --env staging"],
  async handler({ args, options, globals, out }) {
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    const client = await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {});
    const result = await client.rollback(target.project, target.env, args[0]);
    out.result(result, () => {
      out.info(`${out.color.green("✔")} ${out.color.bold(result.project)} (${result.env}) now runs version ${out.color.bold(result.version)} ${out.color.dim(`(was ${result.previousVersion})`)}`);
    });
  },
});
