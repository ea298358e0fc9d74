/** PLACEHOLDER */
import { DurableObject } from "cloudflare:workers";
import type { PlatformEnv } from "../../env";
export class ProjectCache extends DurableObject<PlatformEnv> {}
