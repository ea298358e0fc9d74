/** `aerostack logs`: a deployed project's requests, console output and exceptions, or with --workspace a gateway's call log; `--tail` follows them. */
import { parseSince, readLogs, resolveTarget, tailLogs, UsageError, type CallRecord, type LogEntry, type LogSource } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { formatCallRecords, formatLogEntries } from "../core/log-format";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../core/platform";
import { WORKSPACE_OPTION, workspaceName } from "../core/workspace";

interface LogsFlags extends TargetFlags {
  tail?: boolean;
  since?: string;
  workspace?: string;
}

export default defineCommand<LogsFlags>({
  path: ["logs"],
  description: "Show a deployed project's requests, console output and uncaught exceptions (source-mapped), or a workspace's calls",
  options: [
    PROJECT_OPTION,
    ENV_OPTION,
    { ...WORKSPACE_OPTION, description: "a workspace's call log instead: who (token), member, tool, outcome, latency" },
    { flags: "-f, --tail", description: "keep following new entries until Ctrl-C" },
    { flags: "--since <when>", description: "from this long ago (30s, 10m, 1h, 2d) or an ISO date-time (default: 1h; with --tail: now)" },
  ],
  examples: ["aerostack logs", "aerostack logs --tail", "aerostack logs --since 10m --json", "aerostack logs --project api --env staging --tail --json", "aerostack logs --workspace eng --tail"],
  async handler({ options, globals, out }) {
    const since = options.since !== undefined ? parseSince(options.since) : undefined;
    let source: LogSource;
    let client;
    let label: string;
    if (options.workspace !== undefined) {
      if (options.project !== undefined || options.env !== undefined) throw new UsageError("--workspace and --project/--env each pick whose log it is: pass one of them.");
      source = { workspace: workspaceName(options.workspace) };
      client = await connect();
      label = `workspace ${source.workspace}`;
    } else {
      const target = await resolveTarget({
        cwd: globals.cwd,
        ...(globals.config ? { configPath: globals.config } : {}),
        ...(options.project !== undefined ? { project: options.project } : {}),
        ...(options.env !== undefined ? { env: options.env } : {}),
      });
      source = { project: target.project, env: target.env };
      client = await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {});
      label = `${target.project} (${target.env})`;
    }
    // The two logs share the reading and tailing; only their lines look different.
    const print = (entries: (LogEntry | CallRecord)[]) => {
      const lines = "workspace" in source ? formatCallRecords(entries as CallRecord[], out.color) : formatLogEntries(entries as LogEntry[], out.color);
      for (const line of lines) process.stdout.write(`${line}\n`);
    };

    if (!options.tail) {
      const { entries } = await readLogs(client, source, { since: since ?? Date.now() - 3_600_000 });
      out.result(entries, () => (entries.length ? print(entries) : out.info(out.color.dim(`No log entries for ${label} in that time.`))));
      return;
    }

    // Ctrl-C ends the tail quietly with exit 0: it is how a user stops following, not a failure.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    if (!out.json) process.stderr.write(out.color.dim(`Following ${label} on ${client.url}; Ctrl-C to stop.\n`));
    try {
      await tailLogs(client, source, {
        ...(since !== undefined ? { since } : {}),
        signal: stop.signal,
        // NDJSON: one object per line, so a consumer can act on each entry as it arrives.
        onEntries: (entries: (LogEntry | CallRecord)[]) => (out.json ? entries.forEach((e) => process.stdout.write(`${JSON.stringify(e)}\n`)) : print(entries)),
        onUnreachable: (down) => out.warn(down ? `The platform at ${client.url} is unreachable; still trying…` : "The platform is back; following again."),
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
});
