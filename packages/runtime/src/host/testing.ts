/** Test helpers: a real platform (workerd via Miniflare, in memory by default) to deploy code to and call. */
import { createHash } from "node:crypto";
import { startPlatform, type Platform, type PlatformOptions } from "./platform/platform";
import type { DeploymentSettings } from "../shared/protocol";

export { startPlatform, type Platform, type PlatformOptions } from "./platform/platform";

export interface TestPlatform extends Platform {
  /** Deploys an ES module's source as `project` and makes it the active version. */
  deployScript(project: string, code: string, settings?: Partial<DeploymentSettings>): Promise<string>;
  /** Sends a request to `project` (routed by the `{project}.localhost` host name). */
  request(project: string, path: string, init?: RequestInit): Promise<Response>;
}

export const DEFAULT_SETTINGS: DeploymentSettings = {
  compatibilityDate: "2025-09-01",
  compatibilityFlags: [],
  vars: {},
  queue: { maxRetries: 3, maxBatchSize: 10, retryDelaySeconds: 1 },
};

export async function createTestPlatform(options: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const platform = await startPlatform({ persistTo: null, onLog: () => {}, ...options });
  return {
    ...platform,
    async deployScript(project, code, settings = {}) {
      const version = createHash("sha256").update(code).update(JSON.stringify(settings)).digest("hex").slice(0, 12);
      await platform.control.deploy(project, { version, code, settings: { ...DEFAULT_SETTINGS, ...settings } });
      return version;
    },
    request(project, path, init) {
      return platform.fetch(`http://${project}.localhost${path}`, init);
    },
  };
}
