/** `aerostack dev`: serve the project locally with live reload until Ctrl-C. */
import { relative } from "node:path";
import { startDev, UsageError, type DevEvent } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import type { Output } from "../core/output";

interface DevFlags {
  port?: string;
  host?: string;
  persistTo?: string;
  persist: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}".`, { hint: "For example: `aerostack dev --port 8788`." });
  }
  return port;
}

function render(out: Output, cwd: string, event: DevEvent): void {
  if (out.json) {
    process.stdout.write(`${JSON.stringify(event.type === "build-failed" ? { type: event.type, message: event.message } : event)}\n`);
    return;
  }
  const c = out.color;
  switch (event.type) {
    case "ready":
      out.info(`\n  ${c.bold.cyan("aerostack dev")}  ${c.bold(event.project)}  ${c.dim(`ready in ${Math.round(event.startupMs)} ms`)}\n`);
      out.info(`  ${c.green("➜")}  Local:    ${c.cyan(event.url)}`);
      out.info(`  ${c.green("➜")}  State:    ${event.persistTo ? relative(cwd, event.persistTo) || "." : c.dim("in memory (--no-persist)")}`);
      out.info(`  ${c.green("➜")}  Bindings: env.DB, env.CACHE, env.QUEUE, env.STORAGE`);
      if (event.gateway) {
        // The dev token is shown once, here; only its hash is kept by the platform, and it changes on every start.
        const g = event.gateway;
        out.info(`  ${c.green("➜")}  Gateway:  ${c.cyan(g.url)}  ${c.dim(g.members.length ? `(${g.members.join(", ")})` : "(no MCP servers yet: type = \"mcp-server\" or [[mcp.proxy]])")}`);
        out.info(`  ${c.green("➜")}  Token:    ${g.token}`);
        if (g.members.length) {
          const snippet = JSON.stringify({ mcpServers: { "aerostack-dev": { url: g.url, headers: { Authorization: `Bearer ${g.token}` } } } }, null, 2);
          out.info(c.dim(`\n  MCP client config (Cursor, VS Code, …):\n`) + snippet.replace(/^/gm, "    "));
        }
      }
      out.info(c.dim(`\n  Edit and save to reload. Press Ctrl-C to stop.\n`));
      break;
    case "reloaded":
      out.info(`${c.green("↻")} reloaded ${c.dim(event.changed.slice(0, 3).join(", ") || "")} ${c.dim(`(${Math.round(event.reloadMs)} ms, version ${event.version})`)}`);
      break;
    case "build-failed":
      process.stderr.write(`${c.red("✘ Build failed")} — requests get an error page until the next good save.\n${event.coloredMessage}\n`);
      break;
    case "migrations":
      out.info(`${c.green("✔")} applied migrations: ${event.result.applied.join(", ")}`);
      break;
    case "config-error":
      out.error(event.message);
      break;
    case "log": {
      const line = event.line;
      if (/^\[[a-z0-9-]+ #[0-9a-f]{8}\] [A-Z]+ \S+ → \d{3}/.test(line)) out.info(c.dim(line));
      else if (event.stream === "stderr") process.stderr.write(`${line}\n`);
      else out.info(line);
      break;
    }
  }
}

export default defineCommand<DevFlags>({
  path: ["dev"],
  description: "Run the project locally with DB, CACHE, QUEUE and STORAGE, reloading on every save",
  options: [
    { flags: "--port <port>", description: "port to listen on (default: [dev] port, 8787)" },
    { flags: "--host <host>", description: "address to bind (default: 127.0.0.1)" },
    { flags: "--persist-to <dir>", description: "keep local state in <dir> (default: .aerostack/state)" },
    { flags: "--no-persist", description: "keep state in memory only; nothing is written" },
  ],
  examples: ["aerostack dev", "aerostack dev --port 8788", "aerostack dev --no-persist"],
  async handler({ options, globals, out }) {
    // Signal handlers go in before start-up: a Ctrl-C while workerd starts must still stop it.
    let stopRequested: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
    const onSignal = (signal: NodeJS.Signals) => {
      out.debug(`received ${signal}, stopping`);
      stopRequested?.();
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    process.once("SIGHUP", onSignal);
    const session = await startDev({
      cwd: globals.cwd,
      ...(globals.config ? { configPath: globals.config } : {}),
      ...(options.port !== undefined ? { port: parsePort(options.port) } : {}),
      ...(options.host ? { host: options.host } : {}),
      persistTo: options.persist === false ? null : options.persistTo,
      reporter: (event) => render(out, globals.cwd, event),
      exitOnSignals: false,
    });
    await stopped;
    await session.close();
  },
});
