/** `aerostack workflow list [name]`: a workflow's runs, newest first (the name defaults to the project in this folder). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { table } from "../../core/table";
import { workflowNameFrom } from "../../core/workflow";

export default defineCommand<{ limit?: string }>({
  path: ["workflow", "list"],
  description: "List a workflow's runs, newest first",
  args: ["[name]"],
  options: [{ flags: "--limit <n>", description: "at most this many runs (default 50)" }],
  async handler({ args, options, globals, out }) {
    const name = await workflowNameFrom(args[0], globals);
    const { runs } = await (await connect()).call("listWorkflowRuns", { params: { workflow: name }, query: { limit: options.limit } });
    out.result(runs, () =>
      out.info(
        runs.length
          ? table(runs.map((r) => ({ run: r.id, status: r.status, version: r.version, trigger: r.trigger, started: new Date(r.createdAt).toISOString(), updated: new Date(r.updatedAt).toISOString() })))
          : `No runs of ${name} yet: \`aerostack workflow run ${name}\` starts one.`,
      ),
    );
  },
});
