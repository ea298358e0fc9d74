/** Which version of a project serves requests: read from the control plane, cached briefly in this isolate. */
import { projectStore, type ActiveDeployment } from "../projects/project-store";
import type { PlatformEnv } from "../env";

/**
 * A deploy through this isolate updates the cache at once (so `aerostack dev`, one isolate, flips immediately);
 * other isolates of a scaled-out platform see the flip within the TTL.
 */
const TTL_MS = 1000;
// A cache, correct when empty: ProjectStore holds the active version.
const cache = new Map<string, { at: number; active: ActiveDeployment }>();

export async function activeDeployment(env: PlatformEnv, project: string): Promise<ActiveDeployment> {
  const hit = cache.get(project);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.active;
  const active = await projectStore(env, project).getActive();
  cache.set(project, { at: Date.now(), active });
  return active;
}

export function rememberActive(project: string, active: ActiveDeployment): void {
  cache.set(project, { at: Date.now(), active });
}
