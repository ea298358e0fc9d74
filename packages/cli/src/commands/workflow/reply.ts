/** `aerostack workflow reply <run> <text>`: answer the run's conversation (an auth_gate's one-time code). */
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun } from "../../core/workflow";

export default defineCommand<{ local?: boolean }>({
  path: ["workflow", "reply"],
  description: "Reply to a run waiting for one (an auth_gate's one-time code)",
  options: [LOCAL_OPTION],
  args: ["<run>", "<text>"],
  async handler({ args, options, globals, out }) {
    const run = await (await connectWorkflows(globals, options)).call("replyRun", { params: { run: args[0]! }, body: { text: args[1]! } });
    out.result(run, () => printRun(out, run));
  },
});
