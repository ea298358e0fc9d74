/** `aerostack secret delete NAME`: remove a deployed project's secret (gone on the next request). */
import { resolveTarget } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../../core/platform";

export default defineCommand<TargetFlags>({
  path: ["secret", "delete"],
  description: "Delete a secret from a project",
  args: ["<name>"],
  options: [ENV_OPTION, PROJECT_OPTION],
  async handler({ args, options, globals, out }) {
    const name = args[0]!;
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    await (await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {})).deleteSecret(target.project, target.env, name);
    out.result({ project: target.project, env: target.env, deleted: name }, () => out.info(`${out.color.green("✔")} Deleted ${name} from ${target.project} (${target.env})`));
  },
});
