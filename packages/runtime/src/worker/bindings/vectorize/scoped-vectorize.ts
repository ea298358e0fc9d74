/** A VECTORIZE binding's RPC entrypoint: forwards each call to the calling project's own index Durable Object. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import { TenantIdSchema } from "../../../shared/protocol";
import type {
  VectorizeBatchWire,
  VectorizeBindingConfig,
  VectorizeIndexInfo,
  VectorizeMatchesWire,
  VectorizeMutation,
  VectorizeQueryWire,
  VectorizeRpc,
  VectorizeVectorWire,
} from "../../../shared/wire/vectorize";
import { checkConfig } from "./config";
import type { ProjectVectorIndex } from "./project-vector-index";

/** Props the dispatcher gives each declared `[[vectorize]]` binding: the project and the index's config. */
export type VectorizeProps = ProjectProps & VectorizeBindingConfig;

/**
 * The tenant boundary: the project and index come from the props the dispatcher set, never from the caller's
 * arguments. A module function, not a method, because every method of an entrypoint is callable over RPC.
 */
function target(env: PlatformEnv, props: VectorizeProps, method: string): { index: DurableObjectStub<ProjectVectorIndex>; config: VectorizeBindingConfig } {
  // Fail closed if the dispatcher ever passed something other than a tenant id and a valid index config.
  if (!TenantIdSchema.safeParse(props?.project).success) throw new Error(`VECTORIZE.${method}: this binding was created without a valid project`);
  const config: VectorizeBindingConfig = {
    binding: props.binding,
    index: props.index,
    dimensions: props.dimensions,
    metric: props.metric,
    ...(props.exact === undefined ? {} : { exact: props.exact }),
  };
  checkConfig(config, method);
  const namespace = env.PROJECT_VECTORIZE;
  // Tenant ids and index names never contain "/", so the pair names exactly one object.
  return { index: namespace.get(namespace.idFromName(`${props.project}/${props.index}`)), config };
}

export class ScopedVectorize extends WorkerEntrypoint<PlatformEnv, VectorizeProps> implements VectorizeRpc {
  async describe(): Promise<VectorizeIndexInfo> {
    const { index, config } = target(this.env, this.ctx.props, "describe");
    return index.describe(config);
  }

  async query(vector: Float32Array, options: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const { index, config } = target(this.env, this.ctx.props, "query");
    return index.query(config, vector, options) as Promise<VectorizeMatchesWire>;
  }

  async queryById(id: string, options: VectorizeQueryWire): Promise<VectorizeMatchesWire> {
    const { index, config } = target(this.env, this.ctx.props, "queryById");
    return index.queryById(config, id, options) as Promise<VectorizeMatchesWire>;
  }

  async insert(batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    const { index, config } = target(this.env, this.ctx.props, "insert");
    return index.insert(config, batch);
  }

  async upsert(batch: VectorizeBatchWire): Promise<VectorizeMutation> {
    const { index, config } = target(this.env, this.ctx.props, "upsert");
    return index.upsert(config, batch);
  }

  async getByIds(ids: string[]): Promise<VectorizeVectorWire[]> {
    const { index, config } = target(this.env, this.ctx.props, "getByIds");
    return index.getByIds(config, ids) as Promise<VectorizeVectorWire[]>;
  }

  async deleteByIds(ids: string[]): Promise<VectorizeMutation> {
    const { index, config } = target(this.env, this.ctx.props, "deleteByIds");
    return index.deleteByIds(config, ids);
  }
}
