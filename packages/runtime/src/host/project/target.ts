/** Which project and environment a platform command (secret, logs, deployments, rollback) acts on. */
import { loadProjectConfig } from "../config/load";
import { definedEnvs, resolveEnvName } from "../config/env";
import { DEFAULT_ENV_NAME, SLUG_PATTERN } from "../../shared/config";
import { UsageError, UserError } from "../errors";

export interface ProjectTarget {
  project: string;
  env: string;
  /** The environments aerostack.toml defines, when the target's project is the one in the folder. */
  definedEnvs?: string[];
}

/**
 * `--project` wins; otherwise the name in aerostack.toml. `--env` is checked against the file when the file is the
 * project's own (a typo is a usage error listing the defined environments); for another project the platform judges.
 */
export async function resolveTarget(options: { cwd: string; configPath?: string; project?: string; env?: string }): Promise<ProjectTarget> {
  if (options.project !== undefined && !SLUG_PATTERN.test(options.project)) {
    throw new UsageError(`--project "${options.project}" is not a project name (lowercase letters, digits and dashes, 1-32 characters).`);
  }
  let loaded: Awaited<ReturnType<typeof loadProjectConfig>> | undefined;
  try {
    loaded = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  } catch (err) {
    // Without --project the file is the only source of the name; with it, a missing file is fine.
    if (options.project === undefined) {
      if (err instanceof UserError && /^No (aerostack\.toml|config file)/.test(err.message)) {
        throw new UsageError(err.message, { hint: "Run it in the project's folder, or name the project with --project <name>." });
      }
      throw err;
    }
    if (!(err instanceof UserError) || !/^No (aerostack\.toml|config file)/.test(err.message)) throw err;
  }
  if (loaded && (options.project === undefined || options.project === loaded.config.name)) {
    return { project: loaded.config.name, env: resolveEnvName(loaded.config, options.env), definedEnvs: definedEnvs(loaded.config) };
  }
  const env = options.env ?? DEFAULT_ENV_NAME;
  if (!SLUG_PATTERN.test(env)) throw new UsageError(`--env "${env}" is not a valid environment name (lowercase letters, digits and dashes, 1-32 characters).`);
  return { project: options.project!, env };
}
