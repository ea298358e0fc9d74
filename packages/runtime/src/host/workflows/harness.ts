/**
 * The harness a workflow project's own tests use: a real platform (workerd, SQLite Durable Objects) on a loopback
 * port with a throwaway data dir, the project's definition deployed to it as `aerostack deploy` would, and helpers to
 * start runs, wait for them, approve, reply and read traces through the public API.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { RunInfo, Trace } from "../../shared/workflows";
import { ApiClient } from "../api/client";
import { startPlatformServer, type PlatformServer } from "../platform/server";
import { projectWorkflow } from "./deploy-workflow";

export interface WorkflowHarness {
  readonly name: string;
  readonly url: string;
  readonly client: ApiClient;
  /** The admin key of the throwaway platform (for calls the helpers do not cover, such as /hooks). */
  readonly key: string;
  run(input?: unknown): Promise<RunInfo>;
  /** Polls until the run has finished or waits (for approval, a reply, a timer). */
  settled(id: string): Promise<RunInfo>;
  approve(id: string, approve?: boolean, reason?: string): Promise<RunInfo>;
  reply(id: string, text: string): Promise<RunInfo>;
  trace(id: string): Promise<Trace>;
  close(): Promise<void>;
}

export async function startWorkflow(root: string, options: { onLog?: (line: string) => void } = {}): Promise<WorkflowHarness> {
  const { name, definition } = await projectWorkflow(root);
  const dataDir = await mkdtemp(join(tmpdir(), "aerostack-workflow-test-"));
  let server: PlatformServer | undefined;
  try {
    server = await startPlatformServer({ dataDir, port: 0, host: "127.0.0.1", baseDomain: "localhost", allowPrivateEgress: true, onLog: options.onLog ?? (() => {}) });
    const key = server.adminKey!;
    const client = new ApiClient({ url: server.url, key });
    await client.call("deployWorkflow", { params: { workflow: name }, body: { definition } });
    const getRun = (id: string) => client.call("getRun", { params: { run: id } });
    const running = server;
    return {
      name,
      url: server.url,
      client,
      key,
      run: (input = {}) => client.call("startWorkflowRun", { params: { workflow: name }, body: { input } }),
      async settled(id) {
        for (;;) {
          const run = await getRun(id);
          if (run.status !== "running") return run;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      },
      approve: (id, approve = true, reason) => client.call("decideRun", { params: { run: id }, body: { approve, ...(reason ? { reason } : {}) } }),
      reply: (id, text) => client.call("replyRun", { params: { run: id }, body: { text } }),
      trace: (id) => client.call("runTrace", { params: { run: id } }),
      async close() {
        await running.close();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
}
