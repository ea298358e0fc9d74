/** `aerostack deploy` in a `type = "workspace"` folder: make the platform's workspace match aerostack.toml; no code is uploaded. */
import type { SyncWorkspaceResult } from "../../shared/workspaces";
import type { ApiClient } from "../api/client";
import { loadProjectConfig } from "../config/load";
import { UsageError } from "../errors";
import { workspaceSyncBody } from "../workspace/members";

export interface DeployWorkspaceOptions {
  cwd: string;
  configPath?: string;
  /** Say what would change (added / changed / removed / unchanged) and change nothing. */
  dryRun?: boolean;
  /** A workspace has one state, not one per environment: any --env is refused rather than ignored. */
  env?: string;
  client: () => ApiClient | Promise<ApiClient>;
}

export interface DeployWorkspaceOutcome {
  result: SyncWorkspaceResult;
  /** The secret names the platform checked were set. */
  requiredSecrets: string[];
  durationMs: number;
}

/**
 * One call: the platform checks every referenced secret is set and every member is allowed (its project deployed,
 * its URL past the SSRF rule, no composition cycle) before it replaces the members, so a failure changes nothing.
 * The first deploy creates the workspace.
 */
export async function deployWorkspace(options: DeployWorkspaceOptions): Promise<DeployWorkspaceOutcome> {
  const started = performance.now();
  const { config } = await loadProjectConfig({ cwd: options.cwd, ...(options.configPath ? { configPath: options.configPath } : {}) });
  if (config.type !== "workspace") throw new UsageError(`Project "${config.name}" is a ${config.type}, not a workspace.`, { hint: "Deploy it with `aerostack deploy` as usual; workspaces are folders with type = \"workspace\"." });
  if (options.env !== undefined) {
    throw new UsageError(`--env does not apply to a workspace: "${config.name}" is one workspace, not one per environment.`, { hint: "Keep one workspace project per environment (eng, eng-staging), each with its own name." });
  }
  const body = workspaceSyncBody(config, options.dryRun === true);
  const client = await options.client();
  const result = await client.syncWorkspace(config.name, body);
  return { result, requiredSecrets: body.requiredSecrets ?? [], durationMs: performance.now() - started };
}
