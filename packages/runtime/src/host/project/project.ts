/** A project on disk: its config turned into deployment settings, and its migrations read in order. */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { ProjectConfig } from "../../shared/config";
import type { DeploymentSettings, Migration } from "../../shared/protocol";
import type { BundleOk } from "../bundle/bundle";
import { createHash } from "node:crypto";
import { aiSettings } from "./ai";

export function deploymentSettings(config: ProjectConfig): DeploymentSettings {
  return {
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    vars: config.vars,
    queue: {
      maxRetries: config.queue.max_retries,
      maxBatchSize: config.queue.max_batch_size,
      retryDelaySeconds: config.queue.retry_delay,
    },
    vectorize: (config.vectorize ?? []).map(({ binding, index, dimensions, metric, exact }) => ({ binding, index, dimensions, metric, ...(exact ? { exact } : {}) })),
    // Only when [ai] is written: projects without it keep their settings (and version hashes) unchanged.
    ...(config.ai ? { ai: aiSettings(config.ai) } : {}),
  };
}

/** The version id: code and settings both change what runs, so both are in the hash. */
export function deploymentVersion(bundle: BundleOk, settings: DeploymentSettings): string {
  return createHash("sha256").update(bundle.hash).update(JSON.stringify(settings)).digest("hex").slice(0, 12);
}

/** `migrations/*.sql`, sorted by file name (0001_init.sql, 0002_…); a missing folder means none. */
export async function readMigrations(root: string, config: ProjectConfig): Promise<Migration[]> {
  const dir = resolve(root, config.db.migrations_dir);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith(".sql"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), "utf8") })));
}
