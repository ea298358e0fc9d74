/** `aerostack workflow reply <run> <text>`: answer the run's conversation (an auth_gate's one-time code). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printRun } from "../../core/workflow";

export default defineCommand({
  path: ["workflow", "reply"],
  description: "Reply to a run waiting for one (an auth_gate's one-time code)",
  args: ["<run>", "<text>"],
  async handler({ args, out }) {
    const run = await (await connect()).call("replyRun", { params: { run: args[0]! }, body: { text: args[1]! } });
    out.result(run, () => printRun(out, run));
  },
});
