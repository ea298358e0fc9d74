/** `aerostack workflow status <run>`: a run's status, what it waits for, and its output or error. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printRun } from "../../core/workflow";

export default defineCommand({
  path: ["workflow", "status"],
  description: "Show a run: status, what it waits for, output or error",
  args: ["<run>"],
  async handler({ args, out }) {
    const run = await (await connect()).call("getRun", { params: { run: args[0]! } });
    out.result(run, () => printRun(out, run));
  },
});
