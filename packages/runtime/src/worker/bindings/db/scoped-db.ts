/** PLACEHOLDER: replaced by the DB binding implementation. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
export class ScopedDB extends WorkerEntrypoint<PlatformEnv, ProjectProps> {
  async query(sql: string, params: unknown[]) { return this.env.PROJECT_DB.get(this.env.PROJECT_DB.idFromName(this.ctx.props.project)).query(sql, params); }
}
