/** The one way to run a project's code: its active version's isolate, invoked for fetch, queue or scheduled, with a typed result. */
import type { PlatformEnv } from "../env";
import type {
  ErrorReport,
  InvocationMeta,
  QueueMessageWire,
  QueueOutcome,
  ScheduledEventWire,
} from "../../shared/protocol";
import { activeDeployment, rememberActive } from "./active";
import { projectStore, type ActiveDeployment } from "../projects/project-store";
import { loadIsolate } from "./loader";
import { isErrorReport, mapErrorReport, reportFromThrown } from "./errors";
import { fromIsolate, toIsolate, type StreamOrigin } from "./mcp-sessions";
import { newRequestId } from "../http/request-id";

/**
 * Why the project gave no answer: nothing is deployed, its last build failed (the previous version, if any, is
 * still active), or its code (or loading it) threw. The report is already source-mapped when user code threw.
 */
export type RunError = { kind: "error"; report: ErrorReport } & (
  | { cause: "not-deployed"; version: null }
  | { cause: "build-failed"; version: string | null }
  | { cause: "threw"; version: string }
);

export interface RunAnswer<T> {
  kind: "response";
  response: T;
  version: string;
}

export type Outcomes = Record<string, QueueOutcome>;
export type FetchRun = RunAnswer<Response> | RunError;
/** Outcomes come back either way: a handler that threw after acking some messages keeps those acks. */
export type QueueRun = RunAnswer<{ outcomes: Outcomes }> | (RunError & { outcomes: Outcomes });
export type ScheduledRun = RunAnswer<{ noRetry: boolean }> | (RunError & { noRetry: boolean });

export interface ProjectRunner {
  /**
   * An HTTP request, MCP session contract included (shared/mcp.ts): internal headers stripped both ways, session
   * state kept by the platform, session streams held across version flips.
   */
  fetch(request: Request, meta: InvocationMeta): Promise<FetchRun>;
  queue(batch: { queue: string; messages: QueueMessageWire[] }, meta: InvocationMeta): Promise<QueueRun>;
  scheduled(event: ScheduledEventWire, meta: InvocationMeta): Promise<ScheduledRun>;
}

type IsolateStub = ReturnType<typeof loadIsolate>;

const isolateKey = (version: string, secretsRev: number) => `${version}~${secretsRev}`;

/**
 * `exports` is the calling context's `ctx.exports` (the binding entrypoints handed to the isolate). HTTP callers see
 * a failed build (someone is looking at the answer); queue and scheduled work keeps running on the last good version.
 */
export function runProject(env: PlatformEnv, exports: unknown, tenant: string): ProjectRunner {
  const notDeployed = (): RunError & { cause: "not-deployed" } => ({
    kind: "error",
    cause: "not-deployed",
    report: { kind: "error", name: "Error", message: `project ${tenant} has no active deployment`, stack: "" },
    version: null,
  });
  const threw = async (version: string, thrown: unknown): Promise<RunError & { cause: "threw" }> => ({
    kind: "error",
    cause: "threw",
    report: await mapErrorReport(env, tenant, version, isErrorReport(thrown) ? thrown : reportFromThrown(thrown)),
    version,
  });

  /** Where a held MCP stream is re-opened when the project's isolate changes (a deploy, a save, new secrets). */
  const streamOrigin = (key: string): StreamOrigin => ({
    key,
    async currentKey() {
      const active = await activeDeployment(env, tenant);
      return active.version !== null && active.buildError === null ? isolateKey(active.version, active.secretsRev) : null;
    },
    async send(next, request) {
      const [version = "", rev = "0"] = next.split("~");
      const result = await loadIsolate(env, exports, tenant, version, Number(rev)).handle(request, { requestId: newRequestId() });
      return result instanceof Response ? result : null;
    },
  });

  /**
   * Queue and scheduled work: `call` on the active version's isolate, never a throw. `answer` is what the caller
   * gets in every case, from the isolate's result (null when there was none: nothing deployed, loading failed).
   */
  const background = async <R extends { error?: ErrorReport }, A>(
    call: (entry: IsolateStub) => Promise<R>,
    answer: (result: R | null) => A,
  ): Promise<RunAnswer<A> | (RunError & A)> => {
    const active = await activeDeployment(env, tenant);
    if (active.version === null) return { ...notDeployed(), ...answer(null) };
    const { version } = active;
    try {
      const result = await call(loadIsolate(env, exports, tenant, version, active.secretsRev));
      if (result.error) return { ...(await threw(version, result.error)), ...answer(result) };
      return { kind: "response", response: answer(result), version };
    } catch (err) {
      return { ...(await threw(version, err)), ...answer(null) };
    }
  };

  return {
    async fetch(request, meta) {
      const active = await currentActive(env, tenant);
      if (active.buildError !== null) {
        return {
          kind: "error",
          cause: "build-failed",
          report: { kind: "error", name: "BuildError", message: active.buildError, stack: "" },
          version: active.version,
        };
      }
      if (active.version === null) return notDeployed();
      const { version, secretsRev } = active;
      let result: Response | unknown;
      try {
        const forIsolate = await toIsolate(env, request, new URL(request.url), tenant);
        result = await loadIsolate(env, exports, tenant, version, secretsRev).handle(forIsolate, meta);
      } catch (err) {
        result = err;
      }
      if (!(result instanceof Response)) return threw(version, result);
      const response = await fromIsolate(env, result, tenant, request, () => streamOrigin(isolateKey(version, secretsRev)));
      return { kind: "response", response, version };
    },

    queue(batch, meta) {
      const retryAll = (): Outcomes => Object.fromEntries(batch.messages.map((m) => [m.id, { action: "retry" as const }]));
      return background((entry) => entry.deliver(batch, meta), (result) => ({ outcomes: result?.outcomes ?? retryAll() }));
    },

    scheduled(event, meta) {
      return background((entry) => entry.runScheduled(event, meta), (result) => ({ noRetry: result?.noRetry ?? false }));
    },
  };
}

/** What a failed run says to whoever asked: the status, a title naming the project, and the one-line detail. */
export function describeRunError(tenant: string, error: RunError): { status: number; title: string; detail: string } {
  switch (error.cause) {
    case "not-deployed":
      return {
        status: 503,
        title: `No deployment for ${tenant}`,
        detail: `Project "${tenant}" has no active version yet. Deploy it with \`aerostack deploy\`, or run \`aerostack dev\` in its folder.`,
      };
    case "build-failed":
      return { status: 500, title: `Build failed for ${tenant}`, detail: error.report.message };
    case "threw":
      return { status: 500, title: `Error in ${tenant}`, detail: `${error.report.name}: ${error.report.message}` };
  }
}

/** How long a request in `aerostack dev` waits for the start's first deploy (or build error) before it is answered. */
const STARTUP_WAIT_MS = 15_000;
const STARTUP_POLL_MS = 20;

/**
 * The active deployment a request should see. In `aerostack dev`, a state that is not this start's (nothing
 * deployed yet, or the previous session's code in persisted state) is not served: the request waits, bounded, for the
 * start's first deploy, so nothing sees a half-started server or yesterday's code.
 */
async function currentActive(env: PlatformEnv, tenant: string): Promise<ActiveDeployment> {
  const session = env.AEROSTACK_HOST_SESSION;
  let active = await activeDeployment(env, tenant);
  // Only the project dev serves is deployed by this start; any other name answers at once.
  if (!session || tenant !== env.AEROSTACK_DEFAULT_PROJECT || active.hostSession === session) return active;
  const deadline = Date.now() + STARTUP_WAIT_MS;
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, STARTUP_POLL_MS));
    active = await projectStore(env, tenant).getActive();
    if (active.hostSession === session) {
      rememberActive(tenant, active);
      return active;
    }
  }
  return active;
}
