/** PLACEHOLDER */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
export class ScopedQueue extends WorkerEntrypoint<PlatformEnv, ProjectProps> {}
