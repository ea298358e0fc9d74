/** `aerostack bot logs <bot> [--tail]`: each message the bot handled (turns, tool calls, tokens, latency) and each webhook it refused. */
import type { BotLogEntry } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import type { Output } from "../../core/output";
import { connect } from "../../core/platform";
import { sleep } from "../../core/workflow";

const TAIL_POLL_MS = 500;

function print(out: Output, e: BotLogEntry): void {
  const time = new Date(e.ts).toISOString().slice(11, 23);
  const head = `${out.color.dim(time)} ${e.platform}:${e.chat || "-"} ${e.user || "-"} ${e.kind === "message" || e.kind === "button" ? e.kind : out.color.yellow(e.kind)}`;
  const stats = e.kind === "message" || e.kind === "button" ? ` ${e.latencyMs} ms, ${e.iterations} turn${e.iterations === 1 ? "" : "s"}, ${e.tokens.input}+${e.tokens.output} tokens${e.run ? `, ${e.run}` : ""}` : "";
  out.info(`${head}${out.color.dim(stats)}`);
  if (e.text) out.info(`  > ${e.text}`);
  for (const t of e.toolCalls) out.info(`  ${t.ok ? out.color.green("⚙") : out.color.red("⚙")} ${t.name} ${out.color.dim(`${t.ms} ms`)}`);
  if (e.reply) out.info(`  < ${e.reply}`);
  if (e.error) out.info(`  ${out.color.red(e.error)}`);
}

export default defineCommand<{ tail?: boolean; limit?: string }>({
  path: ["bot", "logs"],
  description: "Show the bot's conversations: turns, tool calls, tokens, latency; --tail keeps printing",
  args: ["<bot>"],
  options: [
    { flags: "-t, --tail", description: "keep printing new entries (Ctrl-C stops)" },
    { flags: "--limit <n>", description: "at most this many entries (default 100)" },
  ],
  examples: ["aerostack bot logs support", "aerostack bot logs support --tail --json"],
  async handler({ args, options, out }) {
    const client = await connect();
    const bot = args[0]!;
    const limit = options.limit ? Number(options.limit) : 100;
    let page = await client.call("botLogs", { params: { bot }, query: { limit } });
    if (!options.tail) {
      out.result(page, () => (page.entries.length ? page.entries.forEach((e) => print(out, e)) : out.info("No conversations yet.")));
      return;
    }
    for (;;) {
      for (const e of page.entries) {
        if (out.json) process.stdout.write(`${JSON.stringify(e)}\n`);
        else print(out, e);
      }
      await sleep(TAIL_POLL_MS);
      page = await client.call("botLogs", { params: { bot }, query: { after: page.cursor, limit: 1000 } });
    }
  },
});
