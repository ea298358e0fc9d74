/** `aerostack workflow status <run>`: a run's status, what it waits for, and its output or error. */
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun } from "../../core/workflow";

export default defineCommand<{ local?: boolean }>({
  path: ["workflow", "status"],
  description: "Show a run: status, what it waits for, output or error",
  options: [LOCAL_OPTION],
  args: ["<run>"],
  async handler({ args, options, globals, out }) {
    const run = await (await connectWorkflows(globals, options)).call("getRun", { params: { run: args[0]! } });
    out.result(run, () => printRun(out, run));
  },
});
