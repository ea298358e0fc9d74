/** `aerostack workflow cancel <run>`: stop a run; nothing more of it runs. */
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun } from "../../core/workflow";

export default defineCommand<{ local?: boolean }>({
  path: ["workflow", "cancel"],
  description: "Cancel a run",
  options: [LOCAL_OPTION],
  args: ["<run>"],
  async handler({ args, options, globals, out }) {
    const run = await (await connectWorkflows(globals, options)).call("cancelRun", { params: { run: args[0]! } });
    out.result(run, () => printRun(out, run));
  },
});
