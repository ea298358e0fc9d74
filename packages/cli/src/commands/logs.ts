/** `aerostack logs`: a deployed project's requests, console output and exceptions; `--tail` follows them. */
import { parseSince, readLogs, resolveTarget, tailLogs, type LogEntry } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { formatLogEntries } from "../core/log-format";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../core/platform";

interface LogsFlags extends TargetFlags {
  tail?: boolean;
  since?: string;
}

export default defineCommand<LogsFlags>({
  path: ["logs"],
  description: "Show a deployed project's requests, console output and uncaught exceptions (source-mapped)",
  options: [
    PROJECT_OPTION,
    ENV_OPTION,
    { flags: "-f, --tail", description: "keep following new entries until Ctrl-C" },
    { flags: "--since <when>", description: "from this long ago (30s, 10m, 1h, 2d) or an ISO date-time (default: 1h; with --tail: now)" },
  ],
  examples: ["aerostack logs", "aerostack logs --tail", "aerostack logs --since 10m --json", "aerostack logs --project api --env staging --tail --json"],
  async handler({ options, globals, out }) {
    const since = options.since !== undefined ? parseSince(options.since) : undefined;
    const target = await resolveTarget({
      cwd: globals.cwd,
      ...(globals.config ? { configPath: globals.config } : {}),
      ...(options.project !== undefined ? { project: options.project } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
    });
    const client = await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {});
    const print = (entries: LogEntry[]) => {
      for (const line of formatLogEntries(entries, out.color)) process.stdout.write(`${line}\n`);
    };

    if (!options.tail) {
      const { entries } = await readLogs(client, target, { since: since ?? Date.now() - 3_600_000 });
      out.result(entries, () => (entries.length ? print(entries) : out.info(out.color.dim(`No log entries for ${target.project} (${target.env}) in that time.`))));
      return;
    }

    // Ctrl-C ends the tail quietly with exit 0: it is how a user stops following, not a failure.
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    if (!out.json) process.stderr.write(out.color.dim(`Following ${target.project} (${target.env}) on ${client.url}; Ctrl-C to stop.\n`));
    try {
      await tailLogs(client, target, {
        ...(since !== undefined ? { since } : {}),
        signal: stop.signal,
        // NDJSON: one object per line, so a consumer can act on each entry as it arrives.
        onEntries: (entries) => (out.json ? entries.forEach((e) => process.stdout.write(`${JSON.stringify(e)}\n`)) : print(entries)),
        onUnreachable: (down) => out.warn(down ? `The platform at ${client.url} is unreachable; still trying…` : "The platform is back; following again."),
      });
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  },
});
