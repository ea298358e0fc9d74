/** `aerostack platform start`: run the self-hosted platform (API, deployed projects, gateways) until Ctrl-C. */
import { startPlatformServer, StartupAborted, UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { adoptEarlySignals } from "../../core/signals";
import { terminalSafe } from "../../core/output";

interface StartFlags {
  port: string;
  host: string;
  dataDir?: string;
  baseDomain: string;
  allowPrivateEgress?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}".`, { hint: "For example: `aerostack platform start --port 8700`." });
  }
  return port;
}

export default defineCommand<StartFlags>({
  path: ["platform", "start"],
  description: "Run the self-hosted platform: the API at /api/v1 and every deployed project",
  options: [
    { flags: "--port <port>", description: "port to listen on (0 picks a free one)", default: "8700" },
    { flags: "--host <host>", description: "address to bind", default: "127.0.0.1" },
    { flags: "--data-dir <dir>", description: "where the platform keeps its state (default: ~/.aerostack/platform)" },
    { flags: "--base-domain <domain>", description: "projects answer at <project>.<account>.<domain>", default: "localhost" },
    { flags: "--allow-private-egress", description: "let user code reach private and loopback addresses (never the platform's own ports, link-local or metadata)" },
  ],
  handlesSignals: true,
  examples: ["aerostack platform start", "aerostack platform start --data-dir ./platform-data --port 8700", "aerostack platform start --host 0.0.0.0 --base-domain tools.example.com"],
  async handler({ options, out }) {
    // Signal handlers go in before start-up: Ctrl-C at any moment stops whatever has started, quietly, exit 0.
    // A second signal while stopping exits at once (workerd dies with this process: see workerd-guard.sh).
    const stop = new AbortController();
    const onSignal = () => (stop.signal.aborted ? process.exit(130) : stop.abort());
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const signal of signals) process.on(signal, onSignal);
    adoptEarlySignals(onSignal);
    const port = parsePort(options.port);
    out.debug("start-up: workerd");
    const server = await startPlatformServer({
      port,
      host: options.host,
      baseDomain: options.baseDomain,
      allowPrivateEgress: options.allowPrivateEgress === true,
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      signal: stop.signal,
      onLog: (line, stream) => (stream === "stderr" ? process.stderr : process.stdout).write(`${terminalSafe(line)}\n`),
    }).catch((err: unknown) => {
      // Stopped during start-up: whatever the step in flight threw is moot.
      if (stop.signal.aborted || err instanceof StartupAborted) return null;
      throw err;
    });
    if (!server) return;
    const c = out.color;
    const portSuffix = new URL(server.url).port ? `:${new URL(server.url).port}` : "";
    if (out.json) {
      process.stdout.write(`${JSON.stringify({ type: "ready", url: server.url, dataDir: server.dataDir, baseDomain: server.baseDomain, adminKey: server.adminKey })}\n`);
    } else {
      out.info(`Platform listening on ${server.url}`);
      out.info(`  ${c.green("➜")}  API:      ${c.cyan(`${server.url}/api/v1`)}  ${c.dim("(health: /api/v1/health, OpenAPI: /api/v1/openapi.json)")}`);
      out.info(`  ${c.green("➜")}  Projects: ${c.cyan(`http://<project>.<account>.${server.baseDomain}${portSuffix}/`)}`);
      out.info(`  ${c.green("➜")}  Data:     ${server.dataDir}`);
      if (server.adminKey) {
        out.info(`\n${c.yellow("!")} First start: the admin account's key is shown this once (only its hash is stored).`);
        out.info(`Admin key: ${server.adminKey}`);
        out.info(c.dim(`\n  export AEROSTACK_API_URL=${server.url} AEROSTACK_API_KEY=${server.adminKey}    # or: aerostack login --url ${server.url}`));
      }
      out.info(c.dim("\n  Press Ctrl-C to stop."));
    }
    if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true }));
    await server.close();
    for (const signal of signals) process.removeListener(signal, onSignal);
  },
});
