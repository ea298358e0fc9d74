/** `aerostack workflow logs <run> [--follow]`: the run's trace as a tree (inputs, outputs, attempts, timings, tokens, errors). */
import { renderTraceTree, type TraceEvent } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connectWorkflows, LOCAL_OPTION, FINISHED_RUN, sleep } from "../../core/workflow";

const FOLLOW_POLL_MS = 250;

export default defineCommand<{ follow?: boolean; local?: boolean }>({
  path: ["workflow", "logs"],
  description: "Show a run's trace as a tree; --follow keeps printing until the run finishes",
  args: ["<run>"],
  options: [
    LOCAL_OPTION,{ flags: "-f, --follow", description: "keep printing new events until the run finishes" }],
  async handler({ args, options, globals, out }) {
    const client = await connectWorkflows(globals, options);
    const id = args[0]!;
    const events: TraceEvent[] = [];
    let trace = await client.call("runTrace", { params: { run: id } });
    events.push(...trace.events);
    let printed = 0;
    const print = () => {
      const lines = renderTraceTree(trace.run, events, out.color);
      // Following: the tree grows; print only the lines not shown yet (the tail of the tree).
      for (const line of lines.slice(printed)) out.info(line);
      printed = options.follow ? lines.length : 0;
    };
    if (!options.follow) {
      out.result(trace, () => print());
      return;
    }
    if (!out.json) print();
    while (!FINISHED_RUN.includes(trace.run.status)) {
      await sleep(FOLLOW_POLL_MS);
      trace = await client.call("runTrace", { params: { run: id }, query: { after: trace.cursor } });
      events.push(...trace.events);
      if (out.json) for (const e of trace.events) process.stdout.write(`${JSON.stringify(e)}\n`);
      else if (trace.events.length) {
        printed = 0;
        out.info("");
        print();
      }
    }
    if (out.json) process.stdout.write(`${JSON.stringify({ run: trace.run })}\n`);
  },
});
