/** Delivers a batch of queue messages to the project's `queue()` handler in its active isolate. */
import type { PlatformEnv } from "../env";
import type { QueueBatchResult, QueueMessageWire } from "../../shared/protocol";
import { activeDeployment } from "./active";
import { loadIsolate } from "./loader";
import { logUserError, mapErrorReport, reportFromThrown } from "./errors";
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
  const retryAll = (): QueueBatchResult["outcomes"] =>
    Object.fromEntries(messages.map((m) => [m.id, { action: "retry" as const }]));
  const active = await activeDeployment(env, project);
  if (active.version === null) {
    return {
      outcomes: retryAll(),
      error: { kind: "error", name: "Error", message: `project ${project} has no active deployment`, stack: "" },
    };
  }
  let result: QueueBatchResult;
  try {
    result = await loadIsolate(env, exports, project, active.version, active.secretsRev).deliver({ queue, messages }, { requestId });
  } catch (err) {
    result = { outcomes: retryAll(), error: reportFromThrown(err) };
  }
  if (result.error) {
    const mapped = await mapErrorReport(env, project, active.version, result.error);
    logUserError(project, requestId, mapped, `queue(${messages.length} message${messages.length === 1 ? "" : "s"})`);
    result = { ...result, error: mapped };
  }
  console.log(
    `[${project} #${requestId}] queue ${queue}: ${messages.length} delivered, ` +
      `${Object.values(result.outcomes).filter((o) => o.action === "ack").length} acked`,
  );
  return result;
}
