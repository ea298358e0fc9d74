/** The `env.DB` user isolates hold: RPC calls scoped to the project named in props, forwarded to its database DO. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import type { ExecResult, QueryMode, QueryResult, WireStatement } from "../../../shared/wire/db";

/**
 * Only the D1 calls are exposed: migrations and admin queries stay with the host's control API. Every method of an
 * entrypoint is callable over RPC, so the database stub is looked up by a module function, never a method.
 */
export class ScopedDB extends WorkerEntrypoint<PlatformEnv, ProjectProps> {
  query(statement: WireStatement, mode: QueryMode): Promise<QueryResult> {
    return database(this.env, this.ctx.props).query(statement, mode);
  }

  batch(statements: WireStatement[]): Promise<QueryResult[]> {
    return database(this.env, this.ctx.props).batch(statements);
  }

  exec(sql: string): Promise<ExecResult> {
    return database(this.env, this.ctx.props).exec(sql);
  }
}

/** The tenant boundary: the project comes from the props the dispatcher set, never from the caller's arguments. */
function database(env: PlatformEnv, props: ProjectProps) {
  return env.PROJECT_DB.get(env.PROJECT_DB.idFromName(props.project));
}
