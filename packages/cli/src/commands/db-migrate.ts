/** `aerostack db migrate`: apply `migrations/*.sql` that have not run yet, in file-name order. */
import { readMigrations, withLocalProject } from "@aerostack/runtime";
import { defineCommand } from "../core/command";

interface MigrateFlags {
  persistTo?: string;
}

export default defineCommand<MigrateFlags>({
  path: ["db", "migrate"],
  description: "Apply pending migrations (migrations/*.sql) to the local database",
  options: [{ flags: "--persist-to <dir>", description: "state folder (default: [dev] persist_to, .aerostack/state)" }],
  examples: ["aerostack db migrate"],
  async handler({ options, globals, out }) {
    const result = await withLocalProject(
      { cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...(options.persistTo ? { persistTo: options.persistTo } : {}) },
      async ({ config, root, control, via }) => {
        const migrations = await readMigrations(root, config);
        const applied = migrations.length === 0 ? { applied: [], skipped: [] } : await control.migrate(config.name, migrations);
        return { project: config.name, via, total: migrations.length, ...applied };
      },
    );
    out.result(result, () => {
      const c = out.color;
      if (result.total === 0) out.info(`No migrations found for ${result.project} (looked in the [db] migrations_dir folder).`);
      else if (result.applied.length === 0) out.info(`${c.green("✔")} ${result.project}: all ${result.total} migrations already applied.`);
      else {
        for (const name of result.applied) out.info(`${c.green("✔")} applied ${name}`);
        out.info(c.dim(`${result.applied.length} applied, ${result.skipped.length} already applied${result.via === "dev" ? " (through the running aerostack dev)" : ""}`));
      }
    });
  },
});
