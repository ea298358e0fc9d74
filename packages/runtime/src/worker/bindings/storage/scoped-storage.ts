/** PLACEHOLDER */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
export class ScopedStorage extends WorkerEntrypoint<PlatformEnv, ProjectProps> {}
