/** The CACHE binding's RPC entrypoint: forwards each call to the calling project's own ProjectCache Durable Object. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import { TenantIdSchema } from "../../../shared/protocol";
import type { CacheEntryWire, CacheListOptions, CacheListResult, CachePutWire, CacheRpc } from "../../../shared/wire/cache";
import type { ProjectCache } from "./project-cache";

export class ScopedCache extends WorkerEntrypoint<PlatformEnv, ProjectProps> implements CacheRpc {
  /**
   * The project's Durable Object. `ctx.props` is set by the dispatcher when it hands the stub to the isolate and
   * cannot be changed by user code, so it is the only input that may choose the tenant.
   */
  private cache(): DurableObjectStub<ProjectCache> {
    const project = this.ctx.props.project;
    // Fail closed if the dispatcher ever passed something other than a tenant id.
    if (!TenantIdSchema.safeParse(project).success) throw new Error("CACHE: this binding was created without a valid project");
    const namespace = this.env.PROJECT_CACHE;
    return namespace.get(namespace.idFromName(project));
  }

  async get(key: string): Promise<Uint8Array | null> {
    return this.cache().get(key);
  }

  async getWithMetadata(key: string): Promise<CacheEntryWire | null> {
    return this.cache().getWithMetadata(key);
  }

  async getMany(keys: string[]): Promise<(CacheEntryWire | null)[]> {
    return this.cache().getMany(keys);
  }

  async put(key: string, value: Uint8Array, options?: CachePutWire): Promise<void> {
    await this.cache().put(key, value, options);
  }

  async delete(key: string): Promise<void> {
    await this.cache().delete(key);
  }

  async list(options?: CacheListOptions): Promise<CacheListResult> {
    return this.cache().list(options);
  }

  async increment(key: string, by?: number): Promise<number> {
    return this.cache().increment(key, by);
  }
}
