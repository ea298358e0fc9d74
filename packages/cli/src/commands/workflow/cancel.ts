/** `aerostack workflow cancel <run>`: stop a run; nothing more of it runs. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printRun } from "../../core/workflow";

export default defineCommand({
  path: ["workflow", "cancel"],
  description: "Cancel a run",
  args: ["<run>"],
  async handler({ args, out }) {
    const run = await (await connect()).call("cancelRun", { params: { run: args[0]! } });
    out.result(run, () => printRun(out, run));
  },
});
