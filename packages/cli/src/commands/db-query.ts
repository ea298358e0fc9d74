/** `aerostack db query "<sql>"`: run one SQL statement against the local database and print the rows. */
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
    out.result(result, () => {
      if (result.results.length === 0) {
        const changes = (result.meta as { changes?: number } | undefined)?.changes;
        out.info(changes ? `OK, ${changes} row${changes === 1 ? "" : "s"} changed.` : "OK, no rows.");
      } else out.info(table(result.results));
    });
  },
});
