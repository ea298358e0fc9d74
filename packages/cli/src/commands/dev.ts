/** `aerostack dev`: serve the project locally with live reload until Ctrl-C. */
import { dirname, relative, resolve } from "node:path";
import { MCP_CLIENTS, startDev, StartupAborted, UsageError, type DevEvent, type McpClient, type McpTarget } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { adoptEarlySignals } from "../core/signals";
import { clientSnippetText, displayPath } from "../core/mcp";
import { terminalSafe, type Output } from "../core/output";

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

type ReadyEvent = Extract<DevEvent, { type: "ready" }>;

/**
 * What MCP clients should connect to: the project's own /mcp when it is the only server (no token, survives
 * restarts); the gateway with this start's token once [[mcp.proxy]] servers are composed with it.
 */
function devClientTarget(event: ReadyEvent): { name: string; target: McpTarget; command: string } | undefined {
  const g = event.gateway;
  const onlyProject = !g || g.members.every((m) => m === event.project);
  if (event.mcpUrl && onlyProject) return { name: event.project, target: { url: event.mcpUrl }, command: "aerostack mcp config --client <client> --write" };
  if (g && g.members.length) {
    return { name: "aerostack-dev", target: { url: g.url, token: g.token }, command: `aerostack mcp config --client <client> --gateway --token ${g.token} --write` };
  }
  return undefined;
}

/** The entry for each MCP client, built by the same code as `aerostack mcp config`. */
function renderClientConfigs(out: Output, root: string, event: ReadyEvent): void {
  const chosen = devClientTarget(event);
  if (!chosen) return;
  const c = out.color;
  out.info(c.dim(`\n  Connect an MCP client: paste its entry below, or run \`${chosen.command}\``));
  for (const client of Object.keys(MCP_CLIENTS) as McpClient[]) {
    const { file, label, json } = clientSnippetText(client, chosen.name, chosen.target, root, "    ");
    out.info(`\n  ${c.bold(label)}  ${c.dim(displayPath(file, root))}\n${json}`);
  }
}

function render(out: Output, cwd: string, root: string, event: DevEvent): void {
  // Start-up phases are for --debug (and for tests that stop start-up at each one), in every output mode.
  if (event.type === "starting") return out.debug(`start-up: ${event.phase}`);
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
      // A workspace folder runs no code: it has no bindings to list.
      if (event.bindings.length) out.info(`  ${c.green("➜")}  Bindings: ${event.bindings.map((b) => `env.${b}`).join(", ")}`);
      if (event.mcpUrl) out.info(`  ${c.green("➜")}  MCP:      ${c.cyan(event.mcpUrl)}`);
      if (event.workflow) {
        out.info(`  ${c.green("➜")}  Webhook:  ${c.cyan(`POST ${event.workflow.hookUrl}`)}`);
        out.info(`  ${c.green("➜")}  Agent:    ${c.cyan(`POST ${event.workflow.agentUrl}`)}  ${c.dim("(server-sent events)")}`);
        out.info(`  ${c.green("➜")}  Runs:     ${c.dim(`aerostack workflow run ${event.project} --input '{…}' (in this folder, it reaches this dev server)`)}`);
      }
      if (event.chatUrl) out.info(`  ${c.green("➜")}  Chat:     ${c.cyan(event.chatUrl)}  ${c.dim("(talk to the bot here; no chat platform needed)")}`);
      // The gateway matters once it composes something; a plain function project does not need its token.
      if (event.gateway?.members.length) {
        // The dev token is shown once, here; only its hash is kept by the platform, and it changes on every start.
        const g = event.gateway;
        out.info(`  ${c.green("➜")}  Gateway:  ${c.cyan(g.url)}  ${c.dim(`(${g.members.join(", ")})`)}`);
        out.info(`  ${c.green("➜")}  Token:    ${g.token}`);
      }
      // A link made for this start: it signs this machine's browser in to the dashboard of the dev workspace.
      if (event.dashboard) out.info(`  ${c.green("➜")}  Dashboard: ${c.cyan(event.dashboard)}`);
      renderClientConfigs(out, root, event);
      out.info(c.dim(`\n  Edit and save to reload. Press Ctrl-C to stop.\n`));
      break;
    case "reloaded":
      out.info(`${c.green("↻")} reloaded ${c.dim(event.changed.slice(0, 3).join(", ") || "")} ${c.dim(`(${Math.round(event.reloadMs)} ms, version ${event.version})`)}`);
      break;
    case "build-failed":
      // esbuild's colours only where ours are on (a TTY without NO_COLOR).
      process.stderr.write(`${c.red("✘ Build failed")} — requests get an error page until the next good save.\n${c.level > 0 ? event.coloredMessage : event.message}\n`);
      break;
    case "migrations":
      out.info(`${c.green("✔")} applied migrations: ${event.result.applied.join(", ")}`);
      break;
    case "config-error":
      out.error(event.message);
      break;
    case "notice":
      out.warn(event.message);
      break;
    case "log": {
      const line = terminalSafe(event.line);
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
  handlesSignals: true,
  examples: ["aerostack dev", "aerostack dev --port 8788", "aerostack dev --no-persist"],
  async handler({ options, globals, out }) {
    // Signal handlers go in before start-up: Ctrl-C at any moment stops whatever has started, quietly, exit 0.
    // A second signal while stopping exits at once (workerd dies with this process: see workerd-guard.sh).
    const stop = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (stop.signal.aborted) process.exit(130);
      out.debug(`received ${signal}, stopping`);
      stop.abort();
    };
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
    for (const signal of signals) process.on(signal, onSignal);
    adoptEarlySignals(onSignal);
    // Cursor's and VS Code's config files live in the project root: beside aerostack.toml.
    const root = globals.config ? dirname(resolve(globals.cwd, globals.config)) : globals.cwd;
    const session = await startDev({
      cwd: globals.cwd,
      ...(globals.config ? { configPath: globals.config } : {}),
      ...(options.port !== undefined ? { port: parsePort(options.port) } : {}),
      ...(options.host ? { host: options.host } : {}),
      persistTo: options.persist === false ? null : options.persistTo,
      reporter: (event) => render(out, globals.cwd, root, event),
      exitOnSignals: false,
      signal: stop.signal,
    }).catch((err: unknown) => {
      // Stopped during start-up: whatever the step in flight threw (workerd gone, esbuild's pipe closed) is moot.
      if (stop.signal.aborted || err instanceof StartupAborted) return null;
      throw err;
    });
    if (session) {
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener("abort", resolve, { once: true }));
      await session.close();
    }
    for (const signal of signals) process.removeListener(signal, onSignal);
  },
});
