/** The handler of every route in API_ROUTES, as a table: adding a route is one entry there and one here. */
import type * as z from "zod/mini";
import type { API_ROUTES, RouteName } from "../../../shared/api";
import type { ApiContext } from "../context";
import { audit, createAccount, createKey, listAccounts, listKeys, revokeKey, whoami } from "./accounts";
import { deploy, getProject, listDeployments, listProjects, rollback } from "./projects";
import { deleteSecret, listSecrets, putSecret } from "./secrets";
import { logs } from "./logs";
import { health, openapi } from "./meta";
import * as workspaces from "./workspaces";
import * as workflows from "./workflows";
import * as hub from "./hub";
import * as bots from "./bots";

type Routes = typeof API_ROUTES;
type BodyOf<K extends RouteName> = Routes[K] extends { body: infer B extends z.ZodMiniType } ? z.output<B> : undefined;
type Handler<K extends RouteName> = (c: ApiContext<BodyOf<K>>) => Promise<unknown>;

export const HANDLERS: { [K in RouteName]: Handler<K> } = {
  health,
  openapi,
  whoami,
  listAccounts,
  createAccount,
  listKeys,
  createKey,
  revokeKey,
  listProjects,
  getProject,
  deploy,
  listDeployments,
  rollback,
  listSecrets,
  putSecret,
  deleteSecret,
  logs,
  audit,
  listWorkspaces: workspaces.listWorkspaces,
  createWorkspace: workspaces.createWorkspace,
  getWorkspace: workspaces.getWorkspace,
  updateWorkspace: workspaces.updateWorkspace,
  deleteWorkspace: workspaces.deleteWorkspace,
  putMember: workspaces.putMember,
  removeMember: workspaces.removeMember,
  setMemberState: workspaces.setMemberState,
  acceptTools: workspaces.acceptTools,
  syncWorkspace: workspaces.syncWorkspace,
  listWorkspaceSecrets: workspaces.listWorkspaceSecrets,
  putWorkspaceSecret: workspaces.putWorkspaceSecret,
  deleteWorkspaceSecret: workspaces.deleteWorkspaceSecret,
  listWorkspaceTokens: workspaces.listWorkspaceTokens,
  createWorkspaceToken: workspaces.createWorkspaceToken,
  revokeWorkspaceToken: workspaces.revokeWorkspaceToken,
  workspaceLogs: workspaces.workspaceLogs,
  workspaceAnalytics: workspaces.workspaceAnalytics,
  workspaceTools: workspaces.workspaceTools,
  workspaceTimeline: workspaces.workspaceTimeline,
  deployWorkflow: workflows.deployWorkflow,
  listWorkflows: workflows.listWorkflows,
  getWorkflow: workflows.getWorkflow,
  startWorkflowRun: workflows.startWorkflowRun,
  listWorkflowRuns: workflows.listWorkflowRuns,
  getRun: workflows.getRun,
  runTrace: workflows.runTrace,
  decideRun: workflows.decideRun,
  replyRun: workflows.replyRun,
  cancelRun: workflows.cancelRun,
  retryRun: workflows.retryRun,
  hubPublish: hub.publishPackage,
  hubSearch: hub.searchPackages,
  hubInfo: hub.getPackage,
  hubVersionState: hub.setVersionState,
  hubInstall: hub.installPackage,
  hubUpdate: hub.updatePackage,
  hubRefresh: hub.refreshManifests,
  deployBot: bots.deployBot,
  getBot: bots.getBot,
  botLogs: bots.botLogs,
  botChat: bots.botChatMessage,
  botChatMessages: bots.botChatMessages,
};
