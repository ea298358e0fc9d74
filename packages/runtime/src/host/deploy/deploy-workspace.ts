/** `aerostack deploy` in a `type = "workspace"` folder: make the platform's workspace match aerostack.toml; no code is uploaded. */
import type { SyncWorkspaceResult } from "../../shared/workspaces";
import { ApiError, type ApiClient } from "../api/client";
import { loadProjectConfig } from "../config/load";
import { UsageError, UserError } from "../errors";
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

/** `aerostack dev` and `build` bundle code; a workspace folder has none, so say what it is for instead of "no entry file". */
export function refuseWorkspaceProject(config: { type: string; name: string }, command: string): void {
  if (config.type !== "workspace") return;
  throw new UsageError(`"${config.name}" is a workspace (type = "workspace"): it has no code for \`${command}\` to run.`, {
    hint: "Apply it to the platform with `aerostack deploy` (`--dry-run` shows the difference first).",
  });
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
  const required = body.requiredSecrets ?? [];
  if (required.length > 0) await ensureExists(client, config.name, required);
  const result = await client.syncWorkspace(config.name, body);
  return { result, requiredSecrets: body.requiredSecrets ?? [], durationMs: performance.now() - started };
}

/**
 * Secrets are set on an existing workspace, so a first deploy that needs some cannot succeed: say the order of steps
 * before the platform is asked (its sync would create the workspace, then refuse for the missing secrets).
 */
async function ensureExists(client: ApiClient, name: string, secrets: string[]): Promise<void> {
  try {
    await client.getWorkspace(name);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "workspace_not_found") throw err;
    throw new UserError(`Workspace "${name}" does not exist yet, and its members need ${secrets.length === 1 ? "a secret" : "secrets"} set on it first (${secrets.join(", ")}); nothing changed.`, {
      hint: `Create it, set ${secrets.length === 1 ? "the secret" : "each secret"}, then deploy: \`aerostack workspace create ${name}\`, \`printf %s "$VALUE" | aerostack secret put ${secrets[0]} --workspace ${name}\`, \`aerostack deploy\`.`,
    });
  }
}
