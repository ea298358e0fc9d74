/** `aerostack deployments list`: a project's stored versions, newest first, the live one marked. */
import { resolveTarget } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../../core/platform";
import { table } from "../../core/table";

export default defineCommand<TargetFlags>({
  path: ["deployments", "list"],
  description: "List a project's deployed versions, newest first",
  options: [ENV_OPTION, PROJECT_OPTION],
  async handler({ options, globals, out }) {
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    const { deployments } = await (await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {})).listDeployments(target.project, target.env);
    out.result(deployments, () =>
      out.info(
        deployments.length
          ? table(deployments.map((d) => ({ "": d.active ? "●" : "", version: d.version, created: d.createdAt, by: d.by ?? "", message: d.message ?? "" })))
          : `Nothing deployed to ${target.project} (${target.env}) yet.`,
      ),
    );
  },
});
