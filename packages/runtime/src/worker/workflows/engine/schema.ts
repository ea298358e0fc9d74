/** The WorkflowRun object's tables, as numbered migrations (control/schema.ts applies them once each, in order). */
import type { SchemaMigration } from "../../control/schema";

export const RUN_MIGRATIONS: readonly SchemaMigration[] = [
  {
    version: 1,
    name: "run, tokens, node state, steps, trace, messages",
    sql: `
      CREATE TABLE run (
        one INTEGER PRIMARY KEY CHECK (one = 1),
        id TEXT NOT NULL, account TEXT NOT NULL, workflow TEXT NOT NULL, version INTEGER NOT NULL,
        definition TEXT NOT NULL, workspace TEXT, trigger_kind TEXT NOT NULL, trigger TEXT NOT NULL,
        vars TEXT NOT NULL, status TEXT NOT NULL, output TEXT, error TEXT, parent TEXT, notified INTEGER NOT NULL DEFAULT 0,
        -- The failure the latest error_handler caught: what error.node and error.message read from there on.
        caught TEXT,
        clock_offset INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
      -- A token is a node due to run, running, or waiting; it is deleted in the transaction that completes the node.
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT, node TEXT NOT NULL, visit INTEGER NOT NULL, state TEXT NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 0, wake_at INTEGER, wait_kind TEXT, wait_message TEXT, wake TEXT,
        previous TEXT, started_at INTEGER);
      CREATE TABLE outputs (node TEXT PRIMARY KEY, output TEXT NOT NULL);
      CREATE TABLE visits (node TEXT PRIMARY KEY, count INTEGER NOT NULL);
      CREATE TABLE node_state (node TEXT PRIMARY KEY, state TEXT NOT NULL);
      CREATE TABLE joins (node TEXT PRIMARY KEY, arrived INTEGER NOT NULL);
      CREATE TABLE steps (key TEXT PRIMARY KEY, result TEXT NOT NULL);
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, node TEXT, visit INTEGER NOT NULL,
        kind TEXT NOT NULL, attempt INTEGER NOT NULL, data TEXT);
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, ts INTEGER NOT NULL, node TEXT, text TEXT NOT NULL);
    `,
  },
];
