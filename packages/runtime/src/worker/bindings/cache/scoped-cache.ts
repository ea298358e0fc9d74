/** PLACEHOLDER */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
export class ScopedCache extends WorkerEntrypoint<PlatformEnv, ProjectProps> {}
