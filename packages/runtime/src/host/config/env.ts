/** `--env <name>`: checks the name against aerostack.toml's `[env.<name>]` tables and applies that environment's overrides. */
import { configForEnv, DEFAULT_ENV_NAME, SLUG_PATTERN, type ProjectConfig } from "../../shared/config";
import { UsageError } from "../errors";

/** The environments a project can deploy to: the implicit "production" and every `[env.<name>]`. */
export function definedEnvs(config: ProjectConfig): string[] {
  return [...new Set([DEFAULT_ENV_NAME, ...Object.keys(config.env ?? {})])];
}

/**
 * `name` (default "production") checked against the file: an environment the file does not define is a usage
 * error listing the ones it does, so a typo never creates a new, empty deployed instance.
 */
export function resolveEnvName(config: ProjectConfig, name: string | undefined, file = "aerostack.toml"): string {
  const env = name ?? DEFAULT_ENV_NAME;
  if (!SLUG_PATTERN.test(env)) {
    throw new UsageError(`--env "${env}" is not a valid environment name (lowercase letters, digits and dashes, 1-32 characters).`, {
      hint: `Environments defined in ${file}: ${definedEnvs(config).join(", ")}.`,
    });
  }
  const envs = definedEnvs(config);
  if (!envs.includes(env)) {
    throw new UsageError(`Unknown environment "${env}": ${file} does not define [env.${env}].`, {
      hint: `Defined: ${envs.join(", ")}. Add an [env.${env}] table to ${file} to create it.`,
    });
  }
  return env;
}

/** The config for one environment: `vars` merged key by key, every other overridden key replaced whole. */
export function configFor(config: ProjectConfig, env: string): ProjectConfig {
  return configForEnv(config, env);
}
