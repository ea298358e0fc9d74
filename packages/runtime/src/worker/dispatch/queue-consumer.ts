/** Delivers a batch of queue messages to the project's `queue()` handler in its active isolate. */
import type { PlatformEnv } from "../env";
import type { QueueBatchResult, QueueMessageWire } from "../../shared/protocol";
import { runProject } from "../isolates/run-project";
import { logUserError } from "../isolates/errors";
import { newRequestId } from "../http/request-id";

/**
 * Never throws: a missing deployment or a broken isolate comes back as an error with every message
 * marked for retry, so the queue's retry and dead-letter rules apply the same way as to a throwing handler.
 */
export async function deliverQueueBatch(
  env: PlatformEnv,
  exports: unknown,
  project: string,
  queue: string,
  messages: QueueMessageWire[],
): Promise<QueueBatchResult> {
  const requestId = newRequestId();
  const run = await runProject(env, exports, project).queue({ queue, messages }, { requestId });
  if (run.kind === "error" && run.cause === "not-deployed") return { outcomes: run.outcomes, error: run.report };
  const outcomes = run.kind === "response" ? run.response.outcomes : run.outcomes;
  if (run.kind === "error") {
    logUserError(project, requestId, run.report, `queue(${messages.length} message${messages.length === 1 ? "" : "s"})`);
  }
  console.log(
    `[${project} #${requestId}] queue ${queue}: ${messages.length} delivered, ` +
      `${Object.values(outcomes).filter((o) => o.action === "ack").length} acked`,
  );
  return run.kind === "error" ? { outcomes, error: run.report } : { outcomes };
}
