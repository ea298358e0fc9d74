/** `aerostack secret delete NAME [--workspace WS]`: remove a deployed project's (or a workspace's) secret (gone on the next request). */
import { resolveTarget } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect, ENV_OPTION, PROJECT_OPTION } from "../../core/platform";
import { secretScope, WORKSPACE_OPTION, type SecretScopeFlags } from "../../core/workspace";

export default defineCommand<SecretScopeFlags>({
  path: ["secret", "delete"],
  description: "Delete a secret from a project",
  args: ["<name>"],
  options: [ENV_OPTION, PROJECT_OPTION, WORKSPACE_OPTION],
  async handler({ args, options, globals, out }) {
    const name = args[0]!;
    const workspace = secretScope(options);
    if (workspace !== undefined) {
      await (await connect()).deleteWorkspaceSecret(workspace, name);
      out.result({ workspace, deleted: name }, () => out.info(`${out.color.green("✔")} Deleted ${name} from workspace ${workspace}`));
      return;
    }
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    await (await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {})).deleteSecret(target.project, target.env, name);
    out.result({ project: target.project, env: target.env, deleted: name }, () => out.info(`${out.color.green("✔")} Deleted ${name} from ${target.project} (${target.env})`));
  },
});
