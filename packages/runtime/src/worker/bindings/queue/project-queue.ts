/** PLACEHOLDER */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
export class ProjectQueue extends DurableObject<PlatformEnv> { listJobs(_o: { status?: string; limit: number }) { return { jobs: [] }; } }
