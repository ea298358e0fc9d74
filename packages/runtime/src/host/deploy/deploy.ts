/** `aerostack deploy`: bundle the project for one environment and upload it with its settings and migrations in one call. */
import { MAX_API_BODY_BYTES, MAX_BUNDLE_BYTES, type DeployBody, type DeployResult } from "../../shared/api";
import { bundleOnce } from "../bundle/bundle";
import { loadProjectConfig } from "../config/load";
import { configFor, definedEnvs, resolveEnvName } from "../config/env";
import { UserError } from "../errors";
import { deploymentSettings, deploymentVersion, readMigrations } from "../project/project";
import type { ApiClient } from "../api/client";

export interface DeployOptions {
  cwd: string;
  configPath?: string;
  /** Default "production"; any other must be an `[env.<name>]` of aerostack.toml. */
  env?: string;
  dryRun?: boolean;
  message?: string;
  /** Made once the environment is known (so an unknown_env hint can list the file's environments). */
  client: (context: { definedEnvs: string[] }) => ApiClient | Promise<ApiClient>;
  /** Told when each step starts, for a progress line. */
  onStep?: (step: "bundling" | "checking" | "uploading") => void;
  /**
   * Asked before migrations change data: when given (an interactive deploy without --yes) and the project has
   * migrations, a dry run first asks the platform which would apply; none pending means no question.
   */
  confirmMigrations?: (pending: string[], target: { project: string; env: string }) => Promise<boolean>;
}

export interface PreparedDeploy {
  project: string;
  env: string;
  body: DeployBody;
  /** Size of the bundle's code, the part MAX_BUNDLE_BYTES limits. */
  bundleBytes: number;
  definedEnvs: string[];
}

export interface DeployOutcome {
  result: DeployResult;
  bundleBytes: number;
  durationMs: number;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Everything a deploy sends, made locally and checked before anything leaves the machine: the environment exists
 * in aerostack.toml, the code builds, and the bundle fits the platform's limit.
 */
export async function prepareDeploy(options: Omit<DeployOptions, "client">): Promise<PreparedDeploy> {
  const loaded = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  const env = resolveEnvName(loaded.config, options.env);
  const config = configFor(loaded.config, env);
  options.onStep?.("bundling");
  // Not minified: names stay readable in stacks, and the source map makes positions right either way.
  const bundle = await bundleOnce({ root: loaded.root, entry: config.main, type: config.type, command: `aerostack deploy${env === "production" ? "" : ` --env ${env}`}` });
  const bundleBytes = Buffer.byteLength(bundle.code);
  if (bundleBytes > MAX_BUNDLE_BYTES) {
    throw new UserError(`The bundle is ${mib(bundleBytes)}, over the platform's ${mib(MAX_BUNDLE_BYTES)} limit; nothing was uploaded.`, {
      hint: "Drop large dependencies or inlined assets (keep files in env.STORAGE instead); `aerostack build` writes the bundle to inspect.",
    });
  }
  const settings = deploymentSettings(config);
  const body: DeployBody = {
    version: deploymentVersion(bundle, settings),
    code: bundle.code,
    sourceMap: bundle.sourceMap,
    settings,
    migrations: await readMigrations(loaded.root, config),
    // Names only: values are set with `aerostack secret put` and never leave the platform.
    requiredSecrets: config.secrets,
    dryRun: options.dryRun === true,
    ...(options.message !== undefined ? { message: options.message } : {}),
  };
  const bodyBytes = Buffer.byteLength(JSON.stringify(body));
  if (bodyBytes > MAX_API_BODY_BYTES) {
    throw new UserError(`The deploy (bundle, source map and migrations) is ${mib(bodyBytes)}, over the platform's ${mib(MAX_API_BODY_BYTES)} request limit; nothing was uploaded.`, {
      hint: "Drop large dependencies, or split very large migrations.",
    });
  }
  return { project: config.name, env, body, bundleBytes, definedEnvs: definedEnvs(loaded.config) };
}

/** Prepares (see prepareDeploy) and uploads: the platform applies the migrations and flips the active version in one step. */
export async function deployProject(options: DeployOptions): Promise<DeployOutcome> {
  const started = performance.now();
  const prepared = await prepareDeploy(options);
  const client = await options.client({ definedEnvs: prepared.definedEnvs });
  if (options.confirmMigrations && !prepared.body.dryRun && (prepared.body.migrations?.length ?? 0) > 0) {
    options.onStep?.("checking");
    const preview = await client.deploy(prepared.project, prepared.env, { ...prepared.body, dryRun: true });
    const pending = preview.migrations.applied;
    if (pending.length > 0 && !(await options.confirmMigrations(pending, prepared))) {
      throw new UserError("Deploy cancelled; nothing changed.", { hint: "Pass --yes to deploy without asking." });
    }
  }
  options.onStep?.("uploading");
  const result = await client.deploy(prepared.project, prepared.env, prepared.body);
  return { result, bundleBytes: prepared.bundleBytes, durationMs: performance.now() - started };
}
