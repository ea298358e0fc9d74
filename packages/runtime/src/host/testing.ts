/** Test helpers: a real platform (workerd via Miniflare, in memory by default) to deploy code to and call. */
import { createHash } from "node:crypto";
import { startPlatform, type Platform, type PlatformOptions } from "./platform/platform";
import type { DeploymentSettings } from "../shared/protocol";
import { startDev } from "./dev/dev-session";
import { tenantId } from "../worker/projects/tenant";
import { DEFAULT_ENV } from "../shared/api";

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
  vectorize: [],
};

/** In platform mode, test projects belong to this account: `<project>.test.localhost`. */
export const TEST_ACCOUNT = "test";

export async function createTestPlatform(options: Partial<PlatformOptions> = {}): Promise<TestPlatform> {
  const platform = await startPlatform({ persistTo: null, onLog: () => {}, ...options });
  const onPlatform = options.mode === "platform";
  // Dev serves `<project>.localhost`; the platform `<project>.<account>.localhost`, whose data is the tenant's.
  const tenant = (project: string) => (onPlatform ? tenantId(TEST_ACCOUNT, project, DEFAULT_ENV) : project);
  return {
    ...platform,
    async deployScript(project, code, settings = {}) {
      const version = createHash("sha256").update(code).update(JSON.stringify(settings)).digest("hex").slice(0, 12);
      await platform.control.deploy(tenant(project), { version, code, settings: { ...DEFAULT_SETTINGS, ...settings } });
      return version;
    },
    request(project, path, init) {
      return platform.fetch(`http://${project}.${onPlatform ? `${TEST_ACCOUNT}.` : ""}localhost${path}`, init);
    },
  };
}

export interface ProjectHarness {
  readonly url: string;
  readonly project: string;
  /** Everything the platform and the project printed, one line each. */
  readonly logs: string[];
  /** Sends a request to the project (`path` like "/notes"). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** The dev workspace gateway (`${url}/ws/dev`) and its token, as `aerostack dev` prints them. */
  readonly gateway: { url: string; token: string };
  close(): Promise<void>;
}

/**
 * Runs the project in `root` as `aerostack dev` would (bundle, migrations, deploy), in memory by default,
 * on an ephemeral port: the harness a project's own tests use.
 */
export async function startProject(root: string, options: { persistTo?: string | null } = {}): Promise<ProjectHarness> {
  const logs: string[] = [];
  const session = await startDev({
    cwd: root,
    port: 0,
    persistTo: options.persistTo ?? null,
    reporter: (event) => {
      if (event.type === "log") logs.push(event.line);
      else if (event.type === "build-failed" || event.type === "config-error") logs.push(event.message);
    },
  });
  return {
    url: session.url,
    project: session.project,
    logs,
    fetch: (path, init) => session.platform.fetch(`${session.url}${path}`, init),
    gateway: session.gateway,
    close: () => session.close(),
  };
}
export { startWorkflow, type WorkflowHarness } from "./workflows/harness";
