/** `aerostack workspace list`: the account's workspaces with their URLs and member counts. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { table } from "../../core/table";

export default defineCommand({
  path: ["workspace", "list"],
  description: "List your workspaces",
  async handler({ out }) {
    const { workspaces } = await (await connect()).listWorkspaces();
    out.result(workspaces, () =>
      out.info(
        workspaces.length
          ? table(workspaces.map((w) => ({ name: w.name, url: w.url, members: w.members.length, "rate limit": `${w.settings.rateLimitPerMinute}/min`, created: w.createdAt })))
          : "No workspaces yet: `aerostack workspace create <name>` makes one.",
      ),
    );
  },
});
