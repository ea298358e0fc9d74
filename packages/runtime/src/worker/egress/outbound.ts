/** Builds a user isolate's globalOutbound: the Egress entrypoint scoped to the project's rules. */
import type { PlatformEnv } from "../env";
import type { EgressProps } from "./egress";

export interface EgressExports {
  Egress(options: { props: EgressProps }): Fetcher;
}

/**
 * Private networks are allowed exactly when the host configured the network service that reaches them (always in
 * `dev`; on the platform with `egress.allowPrivate`). Per-project allowances would be decided here.
 */
export function egressFor(env: PlatformEnv, exports: unknown, project: string): Fetcher {
  return (exports as EgressExports).Egress({ props: { project, allowPrivate: env.AEROSTACK_EGRESS_PRIVATE !== undefined } });
}
