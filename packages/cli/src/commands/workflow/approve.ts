/** `aerostack workflow approve <run> [--reject --reason TEXT]`: answer the run's waiting human_handoff. */
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun } from "../../core/workflow";

export default defineCommand<{ reject?: boolean; reason?: string; local?: boolean }>({
  path: ["workflow", "approve"],
  description: "Approve (or with --reject, reject) the run's waiting human_handoff",
  args: ["<run>"],
  options: [
    LOCAL_OPTION,
    { flags: "--reject", description: "reject instead of approving" },
    { flags: "--reason <text>", description: "why, recorded in the trace" },
  ],
  examples: ["aerostack workflow approve run_0123…", "aerostack workflow approve run_0123… --reject --reason \"duplicate order\""],
  async handler({ args, options, globals, out }) {
    const run = await (await connectWorkflows(globals, options)).call("decideRun", { params: { run: args[0]! }, body: { approve: !options.reject, ...(options.reason ? { reason: options.reason } : {}) } });
    out.result(run, () => {
      out.info(`${out.color.green("✔")} ${options.reject ? "Rejected" : "Approved"}`);
      printRun(out, run);
    });
  },
});
