/** A typed client for the platform's control API, over any fetch (Miniflare's dispatchFetch or HTTP). */
import type { Deployment, Migration, ScheduledTriggerResult, WireError } from "../../shared/protocol";
import type { WorkspaceTokens } from "../../shared/gateway";
import type { DevWorkspacePut } from "../../shared/workspaces";
import type { AiUsageReport } from "../../shared/ai";
import type { BotDefinition } from "../../shared/bots";
import { UserError } from "../errors";

export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

export interface QueryResult {
  results: Record<string, unknown>[];
  meta?: Record<string, unknown>;
  /** Several statements: each one's result, in order (the top level is the last one's). */
  statements?: { sql: string; results: Record<string, unknown>[]; meta?: Record<string, unknown> }[];
}

/** The control API answered with an error; `code` is the wire code, `status` the HTTP status. */
export class ControlApiError extends UserError {
  override readonly name = "ControlApiError";
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export class ControlClient {
  constructor(
    private readonly fetcher: FetchLike,
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const init: RequestInit = { method, headers: { authorization: `Bearer ${this.token}` } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] = "application/json";
    }
    const res = await this.fetcher(`${this.baseUrl}/__aerostack/${path}`, init);
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      throw new ControlApiError(res.status, "bad_response", `platform answered ${res.status} with non-JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const err = (parsed as WireError | undefined)?.error;
      throw new ControlApiError(res.status, err?.code ?? "error", err?.message ?? `platform answered ${res.status}`);
    }
    return parsed as T;
  }

  health(): Promise<{ ok: boolean }> {
    return this.call("GET", "health");
  }
  deploy(project: string, deployment: Deployment): Promise<{ version: string; unchanged: boolean }> {
    return this.call("PUT", `projects/${project}/deployment`, deployment);
  }
  setBuildError(project: string, message: string): Promise<{ ok: boolean }> {
    return this.call("PUT", `projects/${project}/build-error`, { message });
  }
  clearBuildError(project: string): Promise<{ ok: boolean }> {
    return this.call("DELETE", `projects/${project}/build-error`);
  }
  /** Replaces the project's secrets. Values go only into the request body; errors never quote them. */
  putSecrets(project: string, secrets: Record<string, string>): Promise<{ names: string[]; rev: number }> {
    return this.call("PUT", `projects/${project}/secrets`, { secrets });
  }
  /**
   * Replaces a workspace's gateway config and its members' secrets (values only in the body, never echoed).
   * `changed`: the config differs from the last one, so open gateway sessions were told to list again.
   */
  putWorkspace(workspace: string, body: DevWorkspacePut): Promise<{ rev: number; members: string[]; secrets: Record<string, string[]>; changed: boolean }> {
    return this.call("PUT", `workspaces/${workspace}`, body);
  }
  /** Replaces a workspace's member tokens; pass SHA-256 hashes, never the tokens. */
  putWorkspaceTokens(workspace: string, body: WorkspaceTokens): Promise<{ count: number }> {
    return this.call("PUT", `workspaces/${workspace}/tokens`, body);
  }
  /** `aerostack dev` in a bot folder: the bot's definition, for the dev account (its local chat page talks to it). */
  putBot(name: string, bot: BotDefinition): Promise<{ version: number; unchanged: boolean }> {
    return this.call("PUT", `bots/${name}`, { bot, dryRun: false });
  }

  /** `aerostack dev`'s dashboard link for this start: the token's SHA-256 and the workspace it shows. */
  setUpDevDashboard(workspace: string, linkHash: string): Promise<{ ok: true }> {
    return this.call("POST", "dev-dashboard", { workspace, linkHash });
  }

  /** Fires the project's scheduled() handler as a cron trigger with this expression would. */
  triggerScheduled(project: string, cron: string, scheduledTime?: number): Promise<ScheduledTriggerResult> {
    return this.call("POST", `projects/${project}/scheduled`, { cron, ...(scheduledTime !== undefined ? { scheduledTime } : {}) });
  }
  /** Dev only: this start's key for the local account (send its hash; the token stays with the host). */
  devAccount(body: { keyId: string; keyHash: string }): Promise<{ account: string }> {
    return this.call("POST", "dev-account", body);
  }
  /** Dev only: stores a workflow project's definition under the local account (checked as a deploy is). */
  putWorkflow(name: string, definition: unknown): Promise<{ version: number; unchanged: boolean }> {
    return this.call("PUT", `workflows/${name}`, { definition });
  }
  /** Moves a workflow's cron clock forward: a schedule due on the moved clock fires now. */
  advanceWorkflowClock(name: string, advanceMs: number): Promise<{ nextCron: number | null }> {
    return this.call("POST", `workflows/${name}/clock`, { advanceMs });
  }
  migrate(project: string, migrations: Migration[]): Promise<MigrationResult> {
    return this.call("POST", `projects/${project}/db/migrations`, { migrations });
  }
  query(project: string, sql: string, params: unknown[] = []): Promise<QueryResult> {
    return this.call("POST", `projects/${project}/db/query`, { sql, params });
  }
  listJobs(project: string, options: { status?: string; limit?: number } = {}): Promise<{ jobs: Record<string, unknown>[] }> {
    const q = new URLSearchParams();
    if (options.status) q.set("status", options.status);
    if (options.limit) q.set("limit", String(options.limit));
    return this.call("GET", `projects/${project}/queue/jobs${q.size ? `?${q}` : ""}`);
  }
  /** The project's env.AI calls (newest first) and totals per provider and model since `since` (epoch ms). */
  aiUsage(project: string, options: { since?: number; limit?: number } = {}): Promise<AiUsageReport> {
    const q = new URLSearchParams();
    if (options.since !== undefined) q.set("since", String(options.since));
    if (options.limit !== undefined) q.set("limit", String(options.limit));
    return this.call("GET", `projects/${project}/ai/usage${q.size ? `?${q}` : ""}`);
  }
}

