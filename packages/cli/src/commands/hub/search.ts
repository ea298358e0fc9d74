/** `aerostack hub search <text>`: packages ranked by what their tools do. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand<{ limit?: string }>({
  path: ["hub", "search"],
  description: "Search the Hub by what a tool does (names, descriptions, tool descriptions, meaning)",
  args: ["<text...>"],
  options: [{ flags: "--limit <n>", description: "at most this many results (default 20)" }],
  examples: ['aerostack hub search "send a message to my team"'],
  async handler({ args, options, out }) {
    const q = args.join(" ");
    const found = await (await connect()).call("hubSearch", { query: { q, ...(options.limit ? { limit: options.limit } : {}) } });
    out.result(found, () => {
      if (found.results.length === 0) out.info(`Nothing on the Hub matches "${q}".`);
      for (const r of found.results) {
        out.info(`${out.color.bold(r.name)}@${r.version}  ${out.color.dim(`(${r.kind}, score ${r.score})`)}${r.deprecated ? out.color.yellow(" deprecated") : ""}`);
        if (r.summary) out.info(`  ${r.summary}`);
        out.info(`  tools: ${r.tools.join(", ") || "(none)"}`);
      }
    });
  },
});
