/** What a dev session reports; the CLI renders it (colours, JSON), tests collect it. */
import type { MigrationResult } from "../platform/control-client";

/** Start-up's phases, in order: reading config, workerd starting (with the first bundle), the first deploy. */
export type StartupPhase = "config" | "workerd" | "deploy";

export type DevEvent =
  | { type: "starting"; phase: StartupPhase }
  | {
      type: "ready";
      url: string;
      project: string;
      startupMs: number;
      persistTo: string | null;
      /** The env bindings user code gets: the built-in ones and each [[vectorize]] index. */
      bindings: string[];
      /** The workspace gateway: URL, the dev token (printed once, here) and the members it composes. */
      gateway?: { url: string; token: string; members: string[] };
      /** The dashboard's sign-in link for this start (the local user only; absent beyond loopback). */
      dashboard?: string;
      /** The project's own MCP endpoint (`type = "mcp-server"` only): stable across restarts and needs no token. */
      mcpUrl?: string;
      /** A workflow project's trigger endpoints. */
      workflow?: { hookUrl: string; agentUrl: string };
      /** A bot folder's local chat page: talk to the bot with no chat platform account. */
      chatUrl?: string;
    }
  | { type: "reloaded"; version: string; reloadMs: number; changed: string[] }
  | { type: "build-failed"; message: string; coloredMessage: string }
  | { type: "migrations"; result: MigrationResult }
  | { type: "config-error"; message: string }
  /** Worth knowing, not wrong: members of a workspace folder that dev cannot serve. */
  | { type: "notice"; message: string }
  | { type: "log"; line: string; stream: "stdout" | "stderr" };

export type DevReporter = (event: DevEvent) => void;
