/** `aerostack db query "<sql>"`: run SQL (one statement or several) against the local database and print the rows. */
import { withLocalProject } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { table } from "../core/table";

interface QueryFlags {
  persistTo?: string;
}

export default defineCommand<QueryFlags>({
  path: ["db", "query"],
  description: "Run a SQL statement against the project's local database",
  args: ["<sql>"],
  options: [{ flags: "--persist-to <dir>", description: "state folder (default: [dev] persist_to, .aerostack/state)" }],
  examples: [`aerostack db query "SELECT * FROM notes LIMIT 5"`, `aerostack db query "SELECT count(*) AS n FROM notes" --json`],
  async handler({ args, options, globals, out }) {
    const sql = args[0]!;
    const result = await withLocalProject(
      { cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...(options.persistTo ? { persistTo: options.persistTo } : {}) },
      ({ config, control }) => control.query(config.name, sql),
    );
    // Several statements: one answer each, in order (`--json`: an array of them).
    const each = result.statements ?? [{ sql, results: result.results, ...(result.meta ? { meta: result.meta } : {}) }];
    out.result(result.statements ? result.statements : result, () => {
      for (const [i, statement] of each.entries()) {
        if (each.length > 1) out.info(`${i > 0 ? "\n" : ""}${out.color.dim(`-- ${statement.sql.replace(/\s+/g, " ").slice(0, 100)}`)}`);
        if (statement.results.length === 0) {
          const changes = (statement.meta as { changes?: number } | undefined)?.changes;
          out.info(changes ? `OK, ${changes} row${changes === 1 ? "" : "s"} changed.` : "OK, no rows.");
        } else out.info(table(statement.results));
      }
    });
  },
});
