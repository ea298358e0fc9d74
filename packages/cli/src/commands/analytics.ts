/** `aerostack analytics --workspace <ws> [--since 7d]`: calls, error rate and p50/p95 latency per member, tool and token. */
import { parseSince, type UsageRow } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { connect } from "../core/platform";
import { table } from "../core/table";
import { WORKSPACE_OPTION, workspaceName } from "../core/workspace";

const row = (label: string) => (u: UsageRow) => ({ [label]: u.key, calls: u.calls, errors: u.errors, "error rate": `${(u.errorRate * 100).toFixed(1)}%`, p50: `${Math.round(u.p50Ms)} ms`, p95: `${Math.round(u.p95Ms)} ms` });

export default defineCommand<{ workspace?: string; since?: string }>({
  path: ["analytics"],
  description: "Summarize a workspace's calls: per member, per tool and per token, with error rate and p50/p95 latency",
  options: [WORKSPACE_OPTION, { flags: "--since <when>", description: "from this long ago (1h, 7d) or an ISO date-time (default: 7d)" }],
  examples: ["aerostack analytics --workspace eng", "aerostack analytics --workspace eng --since 24h --json"],
  async handler({ options, out }) {
    const ws = workspaceName(options.workspace);
    const since = parseSince(options.since ?? "7d");
    const data = await (await connect()).workspaceAnalytics(ws, since);
    out.result(data, () => {
      const c = out.color;
      out.info(`${c.bold(ws)} since ${new Date(data.since).toISOString()}: ${data.total.calls} call${data.total.calls === 1 ? "" : "s"}`);
      if (data.total.calls === 0) {
        out.info(c.dim("  No calls in that time."));
        return;
      }
      out.info(c.dim(`  error rate ${(data.total.errorRate * 100).toFixed(1)}% · p50 ${Math.round(data.total.p50Ms)} ms · p95 ${Math.round(data.total.p95Ms)} ms`));
      for (const [title, rows, label] of [["By member", data.byMember, "member"], ["By tool", data.byTool, "tool"], ["By token", data.byToken, "token"]] as const) {
        if (rows.length === 0) continue;
        out.info(`\n${c.bold(title)}\n${table(rows.map(row(label)))}`);
      }
    });
  },
});
