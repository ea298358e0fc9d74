/** `aerostack secret list [--workspace WS]`: the names of a deployed project's (or a workspace's) secrets and when each was set (never values). */
import { resolveTarget } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect, ENV_OPTION, PROJECT_OPTION } from "../../core/platform";
import { table } from "../../core/table";
import { secretScope, WORKSPACE_OPTION, type SecretScopeFlags } from "../../core/workspace";

export default defineCommand<SecretScopeFlags>({
  path: ["secret", "list"],
  description: "List a project's secrets: names and dates, never values",
  options: [ENV_OPTION, PROJECT_OPTION, WORKSPACE_OPTION],
  async handler({ options, globals, out }) {
    const workspace = secretScope(options);
    if (workspace !== undefined) {
      const { secrets } = await (await connect()).listWorkspaceSecrets(workspace);
      out.result(secrets, () => out.info(secrets.length ? table(secrets.map((s) => ({ name: s.name, updated: s.updatedAt }))) : `No secrets set on workspace ${workspace}.`));
      return;
    }
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    const { secrets } = await (await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {})).listSecrets(target.project, target.env);
    out.result(secrets, () =>
      out.info(secrets.length ? table(secrets.map((s) => ({ name: s.name, updated: s.updatedAt }))) : `No secrets set on ${target.project} (${target.env}).`),
    );
  },
});
