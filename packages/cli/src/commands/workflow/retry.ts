/** `aerostack workflow retry <run> --from NODE`: run a finished run again from a node, keeping earlier outputs. */
import { UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun } from "../../core/workflow";

export default defineCommand<{ from?: string; local?: boolean }>({
  path: ["workflow", "retry"],
  description: "Run a finished run again from a node (earlier nodes' outputs are kept)",
  args: ["<run>"],
  options: [
    LOCAL_OPTION,{ flags: "--from <node>", description: "the node id to start again from (see `aerostack workflow logs`)" }],
  async handler({ args, options, globals, out }) {
    if (!options.from) throw new UsageError("workflow retry needs --from <node>: the node to run again from.", { hint: "See the run's nodes with `aerostack workflow logs <run>`." });
    const run = await (await connectWorkflows(globals, options)).call("retryRun", { params: { run: args[0]! }, body: { from: options.from } });
    out.result(run, () => printRun(out, run));
  },
});
