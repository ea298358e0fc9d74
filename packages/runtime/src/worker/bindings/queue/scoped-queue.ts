/** ScopedQueue: the `env.QUEUE` RPC entrypoint handed to a project's isolate, bound to that project's queue object. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import { isInstallTenant } from "../../projects/tenant";
import type { ListJobsOptions, QueueSendBatchOptions, QueueSendOptions, QueueSendRequest } from "../../../shared/wire/queue";

/**
 * The project comes only from `ctx.props`, set by the dispatcher when it built the isolate's env; nothing the
 * user passes can name another project's queue.
 */
export class ScopedQueue extends WorkerEntrypoint<PlatformEnv, ProjectProps> {
  // Not named `queue`: on an entrypoint that name is the queue-consumer handler.
  private projectQueue() {
    // A Hub install's queue would be delivered to a consumer the install does not have (queue delivery loads the
    // tenant's own deployment): refused, clearly, rather than kept where no one reads it.
    if (isInstallTenant(this.ctx.props.project)) throw new Error("QUEUE: a package installed from the Hub has no queue of its own yet; QUEUE works in your own deployed projects");
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
