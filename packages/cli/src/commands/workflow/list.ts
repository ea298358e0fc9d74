/**
 * `aerostack workflow list [name]`: without a name, the account's workflows; with one, that workflow's runs, newest
 * first.
 */
import { defineCommand } from "../../core/command";
import { table } from "../../core/table";
import { connectWorkflows, LOCAL_OPTION } from "../../core/workflow";

export default defineCommand<{ limit?: string; local?: boolean }>({
  path: ["workflow", "list"],
  description: "List the account's workflows, or with a name that workflow's runs, newest first",
  args: ["[name]"],
  options: [LOCAL_OPTION, { flags: "--limit <n>", description: "at most this many runs (default 50)" }],
  examples: ["aerostack workflow list", "aerostack workflow list refunds --limit 10 --json"],
  async handler({ args, options, globals, out }) {
    const client = await connectWorkflows(globals, options);
    const name = args[0];
    if (!name) {
      const { workflows } = await client.call("listWorkflows", {});
      out.result(workflows, () =>
        out.info(
          workflows.length
            ? table(workflows.map((w) => ({ workflow: w.name, version: w.version, nodes: w.nodes, workspace: w.workspace ?? "", cron: w.cron ?? "", updated: new Date(w.updatedAt).toISOString() })))
            : "No workflows yet: `aerostack init <name> --template workflow`, then `aerostack deploy` in its folder.",
        ),
      );
      return;
    }
    const { runs } = await client.call("listWorkflowRuns", { params: { workflow: name }, query: { limit: options.limit } });
    out.result(runs, () =>
      out.info(
        runs.length
          ? table(runs.map((r) => ({ run: r.id, status: r.status, version: r.version, trigger: r.trigger, started: new Date(r.createdAt).toISOString(), updated: new Date(r.updatedAt).toISOString() })))
          : `No runs of ${name} yet: \`aerostack workflow run ${name}\` starts one.`,
      ),
    );
  },
});
