/** `aerostack projects`: the account's projects, each environment with its live version and URL. */
import { defineCommand } from "../core/command";
import { connect } from "../core/platform";
import { table } from "../core/table";

export default defineCommand({
  path: ["projects"],
  description: "List your account's projects, their environments, live versions and URLs",
  async handler({ out }) {
    const { projects } = await (await connect()).listProjects();
    out.result(projects, () =>
      out.info(
        projects.length
          ? table(projects.flatMap((p) => p.envs.map((e) => ({ project: p.name, env: e.env, version: e.activeVersion ?? "—", url: e.url, updated: e.updatedAt }))))
          : "No projects yet: run `aerostack deploy` in a project folder.",
      ),
    );
  },
});
