/** What a dev session reports; the CLI renders it (colours, JSON), tests collect it. */
import type { MigrationResult } from "../platform/control-client";

export type DevEvent =
  | { type: "ready"; url: string; project: string; startupMs: number; persistTo: string | null }
  | { type: "reloaded"; version: string; reloadMs: number; changed: string[] }
  | { type: "build-failed"; message: string; coloredMessage: string }
  | { type: "migrations"; result: MigrationResult }
  | { type: "config-error"; message: string }
  | { type: "log"; line: string; stream: "stdout" | "stderr" };

export type DevReporter = (event: DevEvent) => void;
