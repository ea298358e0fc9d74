/** Runs the built CLI as a subprocess, exactly as a user would, for the end-to-end tests (and `aerostack platform start` for them to talk to). */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { connect, createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const CLI = fileURLToPath(new URL("../bin/aerostack.js", import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `aerostack ...args` to completion, with no TTY and CI set (so nothing prompts); `input` is piped to stdin. */
export function runCli(args: string[], options: { cwd: string; env?: Record<string, string>; input?: string }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: options.cwd,
      env: { ...process.env, CI: "1", NO_COLOR: "1", ...options.env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface DevProcess {
  child: ChildProcess;
  url: string;
  output(): string;
  /** Resolves once `text` has appeared in the combined output after `from` characters. */
  waitFor(text: string | RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Sends SIGINT (Ctrl-C) and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** CLI processes started and not yet exited: what a test that failed half-way would leave running. */
const running = new Set<ChildProcess>();

export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves once `text` has appeared in the combined output after `from` characters. */
  waitFor(text: string | RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

/**
 * Starts `aerostack ...args` and follows its output. `group: true` gives it its own process group, as a shell does,
 * so a test can signal the whole group the way a terminal's Ctrl-C does (`process.kill(-child.pid, "SIGINT")`).
 */
export function spawnCli(args: string[], cwd: string, options: { group?: boolean; env?: Record<string, string>; command?: string } = {}): CliProcess {
  // `command`: an installed `aerostack` (found on env.PATH) instead of this checkout's bin script.
  const [file, argv] = options.command ? [options.command, args] : [process.execPath, [CLI, ...args]];
  const child = spawn(file, argv, {
    cwd,
    env: { ...process.env, CI: "1", NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.group === true,
  });
  // Tracked from the spawn on: start-up itself may be the step that fails.
  running.add(child);
  child.on("exit", () => running.delete(child));
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));

  const waitFor = (text: string | RegExp, from = 0, timeoutMs = 15_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        const tail = out.slice(from);
        if (typeof text === "string" ? tail.includes(text) : text.test(tail)) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`timed out waiting for ${String(text)}; output so far:\n${out}`));
      }, timeoutMs);
      listeners.add(check);
      void exited.then(() => {
        if (listeners.has(check)) {
          listeners.delete(check);
          clearTimeout(timer);
          reject(new Error(`aerostack ${args[0]} exited while waiting for ${String(text)}; output:\n${out}`));
        }
      });
      check();
    });
  return { child, output: () => out, waitFor, exited };
}

export async function startDevProcess(args: string[], cwd: string, options: { env?: Record<string, string>; command?: string } = {}): Promise<DevProcess> {
  const cli = spawnCli(["dev", ...args], cwd, options);
  await cli.waitFor(/Local:\s+http:\/\/\S+/);
  const url = /Local:\s+(http:\/\/\S+)/.exec(cli.output())![1]!;
  return {
    child: cli.child,
    url,
    output: cli.output,
    waitFor: cli.waitFor,
    stop: () => {
      cli.child.kill("SIGINT");
      return cli.exited;
    },
  };
}

/**
 * SIGKILLs every dev process still running and everything it started (workerd), each by its pid, and resolves with
 * the pids still alive after a bounded wait (none, when all went): for an afterEach, so a failed step leaves nothing.
 * The tree is read before the kill: once the dev process is gone its children are no longer its descendants.
 */
export async function killDevProcesses(timeoutMs = 5_000): Promise<number[]> {
  const pids: number[] = [];
  for (const child of running) {
    if (child.pid === undefined) continue;
    const tree = [child.pid, ...descendants(child.pid)];
    for (const pid of tree) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    pids.push(...tree);
  }
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  return pids.filter(isAlive);
}

/** True while any process is left in process group `pgid` (a CLI started with `group: true`, and its children). */
/**
 * The processes of group `pgid` that still run (zombies left out), as "pid command" lines: empty once the group is
 * gone. A zombie has stopped and holds nothing but its pid; it waits for PID 1 to reap it, and some inits (this
 * machine's, CI's) reap only about once a second, so counting zombies would time that reaper rather than aerostack.
 */
export function groupRunning(pgid: number): string[] {
  const running: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // gone between the listing and the read
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after its last ")".
    const close = stat.lastIndexOf(")");
    const [state, , pgrp] = stat.slice(close + 2).split(" ");
    if (Number(pgrp) === pgid && state !== "Z") running.push(`${entry} ${stat.slice(stat.indexOf("(") + 1, close)}`);
  }
  return running;
}

/** True when something accepts connections on 127.0.0.1:`port`. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** All descendants of `pid` (children, grandchildren…), read from /proc. */
export function descendants(pid: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we read.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface PlatformProcess {
  child: ChildProcess;
  url: string;
  /** Printed on the first start only; a restart on the same data dir prints none. */
  adminKey: string;
  /** Everything it printed. */
  output(): string;
  stop(): Promise<number | null>;
}

/** `aerostack platform start --port 0`: resolves once it prints its address (and, on first start, the admin key). */
export function startPlatformProcess(dataDir: string, env: Record<string, string>, firstStart = true, extraArgs: string[] = []): Promise<PlatformProcess> {
  const child = spawn(process.execPath, [CLI, "platform", "start", "--port", "0", "--data-dir", dataDir, ...extraArgs], { env: { ...env, CI: "1", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`platform did not start; output:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const url = /Platform listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      const adminKey = /Admin key: (ak_[A-Za-z0-9]{40})/.exec(out)?.[1];
      const ready = firstStart ? url && adminKey : url && out.includes("Press Ctrl-C");
      if (ready && url) {
        clearTimeout(timer);
        resolve({ child, url, adminKey: adminKey ?? "", output: () => out, stop: () => (child.kill("SIGINT"), exited) });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exited.then(() => reject(new Error(`platform exited before it was ready; output:\n${out}`)));
  });
}

/** Kills a platform the hard way (SIGKILL); workerd follows its host down (workerd-guard), then the port closes. */
export async function killPlatform(platform: PlatformProcess): Promise<void> {
  const exited = new Promise((resolve) => platform.child.once("exit", resolve));
  platform.child.kill("SIGKILL");
  await exited;
  await new Promise((resolve) => setTimeout(resolve, 300));
}
