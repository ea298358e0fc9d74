/** Loads a project's bundle into a Worker Loader isolate keyed by project@version, with tenant-scoped bindings. */
import { projectStore } from "../projects/project-store";
import type { PlatformEnv, ProjectProps } from "../env";
import { ISOLATE_MAIN_MODULE, ISOLATE_USER_MODULE, type IsolateEntry } from "../../shared/protocol";
import type { VectorizeSettings } from "../../shared/protocol";
import type { VectorizeProps } from "../bindings/vectorize/scoped-vectorize";
import type { VectorizeBindingConfig } from "../../shared/wire/vectorize";
import type { LogProps } from "../logs/scoped-logs";
// The user-side shim, built from src/shim/entry.ts and inlined as text by the build (see scripts/build.mjs).
import SHIM_SOURCE from "aerostack:shim-source";
import { egressFor } from "../egress/outbound";

/** The loopback exports the dispatcher hands out, scoped by props (compat flag `enable_ctx_exports`). */
export interface BindingExports {
  ScopedDB(options: { props: ProjectProps }): Fetcher;
  ScopedCache(options: { props: ProjectProps }): Fetcher;
  ScopedQueue(options: { props: ProjectProps }): Fetcher;
  ScopedStorage(options: { props: ProjectProps }): Fetcher;
  ScopedVectorize(options: { props: VectorizeProps }): Fetcher;
  ScopedAI(options: { props: ProjectProps }): Fetcher;
  ScopedLogs(options: { props: LogProps }): Fetcher;
}

export class DeploymentMissingError extends Error {
  constructor(readonly project: string, readonly version: string) {
    super(`deployment ${project}@${version} is not stored`);
  }
}

/**
 * Returns the isolate's `AerostackEntry` RPC entrypoint. The code callback runs only when workerd has no live
 * isolate for this id, so a warm request costs one map lookup.
 */
export function loadIsolate(
  env: PlatformEnv,
  exports: unknown,
  project: string,
  version: string,
  secretsRev = 0,
  /**
   * A Hub install (worker/hub/member.ts): the installing workspace's secrets instead of the project's own, in an
   * isolate of its own (`id` names the install and a digest of the values, so new values load a fresh one).
   */
  install?: { id: string; secrets: Record<string, string>; tenant: string },
): Service<IsolateEntry & Rpc.WorkerEntrypointBranded> {
  const scoped = exports as BindingExports;
  // The secrets revision is part of the id: changed secrets load a fresh isolate with the new values.
  const id = install ? install.id : secretsRev === 0 ? `${project}@${version}` : `${project}@${version}~s${secretsRev}`;
  const stub = env.LOADER.get(id, async () => {
    const store = projectStore(env, project);
    // The publisher's own secrets never reach an install's isolate.
    const [deployment, secrets] = await Promise.all([store.getDeployment(version), install ? install.secrets : store.getSecrets(project)]);
    if (!deployment) throw new DeploymentMissingError(project, version);
    const props: ProjectProps = { project };
    // A Hub install's data is its own (hub/member.ts): the publisher's code must not reach the publisher's project
    // storage, which every installer would share; nor does its console output, which may quote what an installer
    // sent it, land in the publisher's logs. AI stays the publisher's (its model settings and keys; usage is logged
    // as token counts, never content).
    const data: ProjectProps = install ? { project: install.tenant } : props;
    const logs = { project: data.project, version, ...(install ? { code: project } : {}) };
    return {
      compatibilityDate: deployment.settings.compatibilityDate,
      // nodejs_als: the shim tags console output with the request it belongs to.
      compatibilityFlags: [...new Set([...deployment.settings.compatibilityFlags, "nodejs_als"])],
      mainModule: ISOLATE_MAIN_MODULE,
      modules: { [ISOLATE_MAIN_MODULE]: SHIM_SOURCE, [ISOLATE_USER_MODULE]: deployment.code },
      // Every fetch() user code makes passes the egress rules; raw connect() is refused by workerd (see egress/).
      globalOutbound: egressFor(env, exports, project),
      env: {
        ...deployment.settings.vars,
        // Secrets are plain env values to user code, as on Workers; they never pass through logs.
        ...secrets,
        DB: scoped.ScopedDB({ props: data }),
        CACHE: scoped.ScopedCache({ props: data }),
        QUEUE: scoped.ScopedQueue({ props: data }),
        STORAGE: scoped.ScopedStorage({ props: data }),
        // Provider keys stay in the platform: ScopedAI reads them from the project's secrets per call.
        AI: scoped.ScopedAI({ props }),
        // After vars and secrets: a declared index wins over a secret of the same name.
        ...vectorizeEnv(scoped, data.project, deployment.settings.vectorize),
        // The platform keeps console output for `aerostack logs`; `aerostack dev` prints it instead.
        // In `aerostack dev` only background failures go through it (printed source-mapped); console output is printed
        // by the isolate itself.
        ...(env.AEROSTACK_MODE === "platform"
          ? { __AEROSTACK_LOGS: scoped.ScopedLogs({ props: logs }) }
          : { __AEROSTACK_ERRORS: scoped.ScopedLogs({ props: { ...logs, print: true } }) }),
        __AEROSTACK_PROJECT: project,
        __AEROSTACK_VERSION: version,
      },
    };
  });
  return stub.getEntrypoint("AerostackEntry") as unknown as Service<IsolateEntry & Rpc.WorkerEntrypointBranded>;
}

/**
 * The declared `[[vectorize]]` indexes: one ScopedVectorize stub per binding name, each scoped to the project and
 * its index, plus `__AEROSTACK_BINDINGS`, which tells the shim which env keys they are (their names are the user's,
 * so it cannot tell otherwise). Deployments stored before vectorize existed carry no list.
 */
function vectorizeEnv(scoped: BindingExports, project: string, indexes: VectorizeSettings[] | undefined): Record<string, unknown> {
  const env: Record<string, unknown> = {};
  const vectorize: Record<string, VectorizeBindingConfig> = {};
  for (const { binding, index, dimensions, metric, exact } of indexes ?? []) {
    const config: VectorizeBindingConfig = { binding, index, dimensions, metric, ...(exact ? { exact } : {}) };
    env[binding] = scoped.ScopedVectorize({ props: { project, ...config } });
    vectorize[binding] = config;
  }
  return { ...env, __AEROSTACK_BINDINGS: { vectorize } };
}
