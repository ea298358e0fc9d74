/** A typed client for the platform's public API (`/api/v1`), generated from API_ROUTES, over the global fetch. */
import type * as z from "zod/mini";
import { API_PREFIX, API_ROUTES, DEFAULT_ENV, type RouteName } from "../../shared/api";
import type { WireError } from "../../shared/errors";
import { UserError } from "../errors";
import type { CredentialSource } from "./credentials";

type Route<N extends RouteName> = (typeof API_ROUTES)[N];

/** `"/projects/:project/secrets/:name"` → `"project" | "name"`. */
type PathParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type RouteParams<N extends RouteName> = { [K in PathParamNames<Route<N>["path"]>]: string };
export type RouteBody<N extends RouteName> = Route<N> extends { body: infer B extends z.ZodMiniType } ? z.input<B> : undefined;
export type RouteResponse<N extends RouteName> = z.output<Route<N>["response"]>;
export type RouteQuery<N extends RouteName> = Route<N> extends { query: infer Q } ? { [K in keyof Q]?: string | number | undefined } : Record<string, never>;

/** What a call takes: `params` when the path has `:names`, `body` when the route has one, `query` always optional. */
export type CallOptions<N extends RouteName> = ([PathParamNames<Route<N>["path"]>] extends [never] ? { params?: undefined } : { params: RouteParams<N> }) &
  (RouteBody<N> extends undefined ? { body?: undefined } : { body: RouteBody<N> }) & { query?: RouteQuery<N> };

/** Codes the client itself produces, beside the wire codes of shared/errors.ts. */
export type ClientErrorCode = "unreachable" | "timeout" | "bad_response";

/** The platform answered with an error (or could not be reached): `status` 0 when nothing was answered. */
export class ApiError extends UserError {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    hint?: string,
  ) {
    super(message, hint === undefined ? {} : { hint });
  }
}

export interface ApiClientOptions {
  url: string;
  /** The account key; optional for routes with auth "none" (health, openapi). Never printed. */
  key?: string;
  /** Where the key came from, so a 401 names the thing to fix. */
  keySource?: CredentialSource;
  /** Environments aerostack.toml defines, named in the hint of an unknown_env error. */
  definedEnvs?: string[];
  /** Per request (default 120 s: a deploy bundles, migrates and loads the module in one call). */
  timeoutMs?: number;
}

/** What a hint may name: the call's project, environment and required secrets. */
interface HintContext {
  project?: string;
  /** The workspace a workspace route names: its secrets take `--workspace`, not `--env`. */
  workspace?: string;
  env: string;
  requiredSecrets: string[];
  auth: string;
}

export class ApiClient {
  readonly url: string;
  readonly #key: string | undefined;
  readonly #keySource: CredentialSource | undefined;
  readonly #definedEnvs: string[] | undefined;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, "");
    this.#key = options.key;
    this.#keySource = options.keySource;
    this.#definedEnvs = options.definedEnvs;
    this.#timeoutMs = options.timeoutMs ?? 120_000;
  }

  /** Calls one route: the body is checked against its schema before sending, the answer against its schema after. */
  async call<N extends RouteName>(name: N, ...[options]: Partial<CallOptions<N>> extends CallOptions<N> ? [CallOptions<N>?] : [CallOptions<N>]): Promise<RouteResponse<N>> {
    const route = API_ROUTES[name] as { method: string; path: string; auth: string; body?: z.ZodMiniType; response: z.ZodMiniType };
    const params = (options?.params ?? {}) as Record<string, string>;
    const path = route.path.replace(/:([A-Za-z]+)/g, (_, key: string) => {
      const value = params[key];
      if (value === undefined) throw new Error(`ApiClient.call(${name}): missing path parameter "${key}"`);
      return encodeURIComponent(value);
    });
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries((options?.query ?? {}) as Record<string, string | number | undefined>)) {
      if (value !== undefined) query.set(key, String(value));
    }
    const target = `${this.url}${API_PREFIX}${path}${query.size ? `?${query}` : ""}`;
    const context: HintContext = {
      ...(params.project ? { project: params.project } : {}),
      ...(params.workspace ? { workspace: params.workspace } : {}),
      env: query.get("env") ?? DEFAULT_ENV,
      requiredSecrets: ((options?.body as { requiredSecrets?: string[] } | undefined)?.requiredSecrets ?? []).slice(),
      auth: route.auth,
    };

    const headers: Record<string, string> = { accept: "application/json", "user-agent": "aerostack-cli" };
    if (this.#key) headers.authorization = `Bearer ${this.#key}`;
    const init: RequestInit = { method: route.method, headers, signal: AbortSignal.timeout(this.#timeoutMs) };
    if (route.body) {
      const checked = route.body.safeParse(options?.body);
      if (!checked.success) {
        const issue = checked.error.issues[0];
        const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
        throw new UserError(`Not sent: the request is invalid (${where}${issue?.message ?? "invalid"}).`);
      }
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(checked.data);
    }

    let res: Response;
    try {
      res = await fetch(target, init);
    } catch (err) {
      throw this.#connectionError(err);
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw this.#connectionError(err);
    }
    let data: unknown;
    try {
      data = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw this.#notTheApi(res, text);
    }
    if (!res.ok) {
      const wire = (data as Partial<WireError> | undefined)?.error;
      if (!wire || typeof wire.code !== "string" || typeof wire.message !== "string") throw this.#notTheApi(res, text);
      throw new ApiError(res.status, wire.code, this.#redact(wire.message), this.#hint(res.status, wire.code, wire.message, context));
    }
    const parsed = route.response.safeParse(data);
    if (!parsed.success) {
      throw new ApiError(res.status, "bad_response", `The platform at ${this.url} answered ${route.method} ${API_PREFIX}${route.path} with an unexpected body.`, "The CLI and the platform may be different versions: update both to the same release.");
    }
    return parsed.data as RouteResponse<N>;
  }

  // ── named routes ──────────────────────────────────────────────────────────────────────────────────────────────

  health() {
    return this.call("health");
  }
  whoami() {
    return this.call("whoami");
  }
  listAccounts() {
    return this.call("listAccounts");
  }
  createAccount(name: string) {
    return this.call("createAccount", { body: { name } });
  }
  listKeys() {
    return this.call("listKeys");
  }
  createKey(name?: string) {
    return this.call("createKey", { body: name === undefined ? {} : { name } });
  }
  revokeKey(id: string) {
    return this.call("revokeKey", { params: { id } });
  }
  listProjects() {
    return this.call("listProjects");
  }
  getProject(project: string) {
    return this.call("getProject", { params: { project } });
  }
  deploy(project: string, env: string, body: RouteBody<"deploy">) {
    return this.call("deploy", { params: { project }, query: { env }, body });
  }
  listDeployments(project: string, env: string) {
    return this.call("listDeployments", { params: { project }, query: { env } });
  }
  rollback(project: string, env: string, version?: string) {
    return this.call("rollback", { params: { project }, query: { env }, body: version === undefined ? {} : { version } });
  }
  listSecrets(project: string, env: string) {
    return this.call("listSecrets", { params: { project }, query: { env } });
  }
  /** The value travels only in the request body; no error the client makes quotes it. */
  putSecret(project: string, env: string, name: string, value: string) {
    return this.call("putSecret", { params: { project, name }, query: { env }, body: { value } });
  }
  deleteSecret(project: string, env: string, name: string) {
    return this.call("deleteSecret", { params: { project, name }, query: { env } });
  }
  logs(project: string, env: string, query: { after?: number; since?: number; limit?: number } = {}) {
    return this.call("logs", { params: { project }, query: { env, ...query } });
  }
  audit(limit?: number) {
    return this.call("audit", { query: { limit } });
  }

  // Workspaces: a slug, its members, secrets (values sent only in a body), member tokens, call log and analytics.
  listWorkspaces() {
    return this.call("listWorkspaces");
  }
  createWorkspace(name: string, settings?: RouteBody<"updateWorkspace">["settings"]) {
    return this.call("createWorkspace", { body: settings === undefined ? { name } : { name, settings } });
  }
  getWorkspace(workspace: string) {
    return this.call("getWorkspace", { params: { workspace } });
  }
  updateWorkspace(workspace: string, settings: RouteBody<"updateWorkspace">["settings"]) {
    return this.call("updateWorkspace", { params: { workspace }, body: { settings } });
  }
  deleteWorkspace(workspace: string) {
    return this.call("deleteWorkspace", { params: { workspace } });
  }
  putMember(workspace: string, member: RouteBody<"putMember">["member"]) {
    return this.call("putMember", { params: { workspace, member: member.slug }, body: { member } });
  }
  removeMember(workspace: string, member: string) {
    return this.call("removeMember", { params: { workspace, member } });
  }
  setMemberState(workspace: string, member: string, state: RouteBody<"setMemberState">) {
    return this.call("setMemberState", { params: { workspace, member }, body: state });
  }
  acceptTools(workspace: string, member: string, body: RouteBody<"acceptTools">) {
    return this.call("acceptTools", { params: { workspace, member }, body });
  }
  syncWorkspace(workspace: string, body: RouteBody<"syncWorkspace">) {
    return this.call("syncWorkspace", { params: { workspace }, body });
  }
  listWorkspaceSecrets(workspace: string) {
    return this.call("listWorkspaceSecrets", { params: { workspace } });
  }
  /** The value travels only in the request body; no error the client makes quotes it. */
  putWorkspaceSecret(workspace: string, name: string, value: string) {
    return this.call("putWorkspaceSecret", { params: { workspace, name }, body: { value } });
  }
  deleteWorkspaceSecret(workspace: string, name: string) {
    return this.call("deleteWorkspaceSecret", { params: { workspace, name } });
  }
  listWorkspaceTokens(workspace: string) {
    return this.call("listWorkspaceTokens", { params: { workspace } });
  }
  createWorkspaceToken(workspace: string, body: RouteBody<"createWorkspaceToken">) {
    return this.call("createWorkspaceToken", { params: { workspace }, body });
  }
  revokeWorkspaceToken(workspace: string, id: string) {
    return this.call("revokeWorkspaceToken", { params: { workspace, id } });
  }
  workspaceLogs(workspace: string, query: { after?: number; since?: number; limit?: number } = {}) {
    return this.call("workspaceLogs", { params: { workspace }, query });
  }
  workspaceAnalytics(workspace: string, since?: number) {
    return this.call("workspaceAnalytics", { params: { workspace }, query: { since } });
  }
  workspaceTools(workspace: string, member?: string) {
    return this.call("workspaceTools", { params: { workspace }, query: { member } });
  }

  // ── errors ────────────────────────────────────────────────────────────────────────────────────────────────────

  #connectionError(err: unknown): ApiError {
    const name = (err as Error | undefined)?.name;
    if (name === "TimeoutError" || name === "AbortError") {
      return new ApiError(0, "timeout", `The platform at ${this.url} did not answer within ${Math.round(this.#timeoutMs / 1000)} s.`, "Check that it is running and not overloaded (`aerostack platform start` prints its address).");
    }
    // undici puts the reason in `cause`: a system code (ECONNREFUSED, ENOTFOUND) or a message ("bad port").
    const reason = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    const cause = reason?.code ?? reason?.message;
    return new ApiError(
      0,
      "unreachable",
      `The platform at ${this.url} is unreachable${cause ? ` (${cause})` : ""}.`,
      `Start it with \`aerostack platform start\`, or point the CLI at the right address with \`aerostack login --url <url>\` or AEROSTACK_API_URL.`,
    );
  }

  #notTheApi(res: Response, text: string): ApiError {
    const type = res.headers.get("content-type")?.split(";")[0] ?? "no content type";
    const snippet = this.#redact(text.slice(0, 120).replace(/\s+/g, " ").trim());
    return new ApiError(
      res.status,
      "bad_response",
      `${this.url} answered ${res.status} with something that is not the Aerostack API (${type}${snippet ? `: ${snippet}` : ""}).`,
      "Check the address: it is the one `aerostack platform start` printed (AEROSTACK_API_URL or `aerostack login --url`).",
    );
  }

  /** A server message could quote the Authorization header: the key is never printed. */
  #redact(text: string): string {
    return this.#key ? text.split(this.#key).join("ak_…") : text;
  }

  #hint(status: number, code: string, message: string, ctx: HintContext): string | undefined {
    // A workspace's secrets are named by --workspace; a project's by its folder and --env.
    const envFlag = ctx.workspace !== undefined ? ` --workspace ${ctx.workspace}` : ctx.env === DEFAULT_ENV ? "" : ` --env ${ctx.env}`;
    switch (code) {
      case "unauthorized":
        return this.#keySource === "env"
          ? "AEROSTACK_API_KEY was refused (revoked, or made for another platform): set a current key."
          : "Your login was refused (the key may be revoked): run `aerostack login` again, or set AEROSTACK_API_KEY.";
      case "forbidden":
        return ctx.auth === "admin" ? "This needs the admin account's key (printed once by the first `aerostack platform start`)." : undefined;
      case "project_not_found":
        return `Deploy it first with \`aerostack deploy${envFlag}\`${ctx.project ? ` in the project folder of ${ctx.project}` : ""}, or check the name (\`--project\`).`;
      case "unknown_env": {
        const defined = this.#definedEnvs?.length ? ` Environments in aerostack.toml: ${this.#definedEnvs.join(", ")}.` : "";
        return `Environment "${ctx.env}" has not been deployed: run \`aerostack deploy --env ${ctx.env}\` first.${defined}`;
      }
      case "missing_secret": {
        const named = ctx.requiredSecrets.filter((n) => new RegExp(`\\b${n}\\b`).test(message));
        const names = named.length ? named : ["NAME"];
        return `Set ${names.length > 1 ? "them" : "it"} with ${names.map((n) => `\`aerostack secret put ${n}${envFlag}\``).join(", ")}, then deploy again.`;
      }
      case "workspace_not_found":
        return "`aerostack workspace list` shows your workspaces.";
      case "workspace_exists":
        return "`aerostack workspace list` shows yours; workspace names are unique on the whole platform.";
      case "member_not_found":
        return ctx.workspace ? `\`aerostack workspace show ${ctx.workspace}\` lists its members.` : undefined;
      case "token_not_found":
        return ctx.workspace ? `\`aerostack token list --workspace ${ctx.workspace}\` shows its tokens and their ids.` : undefined;
      case "invalid_member":
        return /address; add the member with --allow-private/.test(message)
          ? "Only for a server you run on your own network: add --allow-private (or allow_private = true in [[members]])."
          : /makes a cycle|cannot compose itself/.test(message)
            ? "Remove the member that leads back (`aerostack workspace remove`), or compose the other way round only."
            : undefined;
      case "secret_not_found":
        return `\`aerostack secret list${envFlag}\` shows the secrets that are set.`;
      case "deployment_not_found":
        return `\`aerostack deployments list${envFlag}\` shows the stored versions.`;
      case "no_previous_version":
        return `Nothing to roll back to: \`aerostack deployments list${envFlag}\` shows the stored versions.`;
      case "key_not_found":
        return "`aerostack account keys list` shows your keys and their ids.";
      case "account_exists":
        return "Pick another name; `aerostack account list` shows the existing ones.";
      case "module_load_failed":
        return "Nothing changed: the old version still serves. Run the code with `aerostack dev` to see the error, fix it and deploy again.";
      case "migration_failed":
        return "Nothing changed: fix the migration (try it with `aerostack dev` or `aerostack db migrate`) and deploy again.";
      case "install_migration_failed":
        return "Nothing changed. `aerostack hub info <package>` lists its versions; a broken migration is fixed by its publisher in a new version.";
      case "payload_too_large":
        return "Make the bundle smaller (drop large dependencies or inlined assets).";
      case "invalid_body":
      case "invalid_query":
      case "bad_json":
      case "method_not_allowed":
      case "not_found":
        return status === 404 && code === "not_found" ? "The platform does not know this route: update the CLI and the platform to the same release." : "The CLI and the platform may be different versions: update both to the same release.";
      case "internal":
        return "The platform failed; its log (the terminal running `aerostack platform start`) has the details.";
      default:
        return undefined;
    }
  }
}
