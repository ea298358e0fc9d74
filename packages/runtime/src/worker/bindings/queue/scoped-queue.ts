/** ScopedQueue: the `env.QUEUE` RPC entrypoint handed to a project's isolate, bound to that project's queue object. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import type { ListJobsOptions, QueueSendBatchOptions, QueueSendOptions, QueueSendRequest } from "../../../shared/wire/queue";

/**
 * The project comes only from `ctx.props`, set by the dispatcher when it built the isolate's env; nothing the
 * user passes can name another project's queue.
 */
export class ScopedQueue extends WorkerEntrypoint<PlatformEnv, ProjectProps> {
  // Not named `queue`: on an entrypoint that name is the queue-consumer handler.
  private projectQueue() {
    return this.env.PROJECT_QUEUE.get(this.env.PROJECT_QUEUE.idFromName(this.ctx.props.project));
  }

  send(body: unknown, options?: QueueSendOptions) {
    return this.projectQueue().send(this.ctx.props.project, body, options ?? {});
  }

  sendBatch(messages: QueueSendRequest[], options?: QueueSendBatchOptions) {
    return this.projectQueue().sendBatch(this.ctx.props.project, messages, options ?? {});
  }

  getJob(id: string) {
    return this.projectQueue().getJob(id);
  }

  listJobs(options?: ListJobsOptions) {
    return this.projectQueue().listJobs(options ?? {});
  }
}
