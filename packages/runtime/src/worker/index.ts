/** The platform worker: one router plus the binding entrypoints and Durable Objects it hands to user isolates. */
import type { PlatformEnv } from "./env";
import { route } from "./router";

export { ControlPlane } from "./control/control-plane";
export { ProjectStore } from "./projects/project-store";
export { ProjectLogs } from "./logs/project-logs";
export { ScopedLogs } from "./logs/scoped-logs";
export { Directory } from "./accounts/directory";
export { Workspace } from "./workspaces/workspace";
export { ProjectDatabase } from "./bindings/db/project-database";
export { ScopedDB } from "./bindings/db/scoped-db";
export { ProjectCache } from "./bindings/cache/project-cache";
export { ScopedCache } from "./bindings/cache/scoped-cache";
export { ProjectQueue } from "./bindings/queue/project-queue";
export { ScopedQueue } from "./bindings/queue/scoped-queue";
export { ScopedStorage } from "./bindings/storage/scoped-storage";
export { GatewaySession } from "./gateway/session";
export { ProjectVectorIndex } from "./bindings/vectorize/project-vector-index";
export { ScopedVectorize } from "./bindings/vectorize/scoped-vectorize";
export { VectorShard } from "./bindings/vectorize/vector-shard";
export { ProjectAiUsage } from "./bindings/ai/project-ai-usage";
export { ScopedAI } from "./bindings/ai/scoped-ai";
export { Egress } from "./egress/egress";
export { WorkflowRegistry } from "./workflows/registry/workflow-registry";
export { WorkflowRun } from "./workflows/engine/workflow-run";
export { HubRegistry } from "./hub/registry";
export { OAuthServer } from "./oauth/store";
export { BotRegistry } from "./bots/registry";
export { BotChat } from "./bots/chat";
export { DashboardSessions } from "./dashboard/sessions";

export default {
  fetch: (request, env, ctx) => route(request, env, ctx),
} satisfies ExportedHandler<PlatformEnv>;
