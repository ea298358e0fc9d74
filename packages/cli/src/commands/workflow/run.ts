/** `aerostack workflow run <name> --input JSON`: start a run (and, with --wait, wait until it finishes or pauses). */
import { UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, printRun, waitForRun } from "../../core/workflow";

export default defineCommand<{ input?: string; wait?: boolean; local?: boolean }>({
  path: ["workflow", "run"],
  description: "Start a run of a deployed workflow",
  args: ["<name>"],
  options: [
    LOCAL_OPTION,
    { flags: "--input <json>", description: "the run's input, as JSON (default {}): the trigger sees it as trigger.input" },
    { flags: "--wait", description: "wait until the run finishes or pauses (approval, reply, timer)" },
  ],
  examples: ["aerostack workflow run refunds --input '{\"email\":\"a@example.com\"}' --wait"],
  async handler({ args, options, globals, out }) {
    let input: unknown = {};
    if (options.input !== undefined) {
      try {
        input = JSON.parse(options.input);
      } catch {
        throw new UsageError(`--input is not valid JSON: ${options.input.slice(0, 80)}`, { hint: `Quote it for your shell: --input '{"email":"a@example.com"}'` });
      }
    }
    const client = await connectWorkflows(globals, options);
    let run = await client.call("startWorkflowRun", { params: { workflow: args[0]! }, body: { input } });
    if (options.wait) run = await waitForRun(client, run.id);
    out.result(run, () => printRun(out, run));
  },
});
