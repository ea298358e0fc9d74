/** Every command the CLI has; the program registers each by its path. */
import type { CommandDefinition } from "../core/command";
import init from "./init";
import dev from "./dev";
import build from "./build";
import dbMigrate from "./db-migrate";
import dbQuery from "./db-query";
import mcpStdio from "./mcp-stdio";
import mcpInspect from "./mcp-inspect";
import mcpConfig from "./mcp-config";
import platformStart from "./platform/start";
import platformBuild from "./platform/build";
import platformBootstrap from "./platform/bootstrap";
import login from "./login";
import logout from "./logout";
import whoami from "./whoami";
import accountCreate from "./account/create";
import accountList from "./account/list";
import accountKeysCreate from "./account/keys-create";
import accountKeysList from "./account/keys-list";
import accountKeysRevoke from "./account/keys-revoke";
import deploy from "./deploy";
import deploymentsList from "./deployments/list";
import rollback from "./rollback";
import secretPut from "./secret/put";
import secretList from "./secret/list";
import secretDelete from "./secret/delete";
import logs from "./logs";
import projects from "./projects";
import analytics from "./analytics";
import workspaceCreate from "./workspace/create";
import workspaceList from "./workspace/list";
import workspaceShow from "./workspace/show";
import workspaceUpdate from "./workspace/update";
import workspaceDelete from "./workspace/delete";
import workspaceAdd from "./workspace/add";
import workspaceRemove from "./workspace/remove";
import workspaceEnable from "./workspace/enable";
import workspaceDisable from "./workspace/disable";
import workspaceConnect from "./workspace/connect";
import workspaceAccept from "./workspace/accept";
import tokenCreate from "./token/create";
import tokenList from "./token/list";
import tokenRevoke from "./token/revoke";
import workflowRun from "./workflow/run";
import workflowList from "./workflow/list";
import workflowStatus from "./workflow/status";
import workflowLogs from "./workflow/logs";
import workflowApprove from "./workflow/approve";
import workflowReply from "./workflow/reply";
import workflowCancel from "./workflow/cancel";
import workflowRetry from "./workflow/retry";
import hubPublish from "./hub/publish";
import hubSearch from "./hub/search";
import hubInfo from "./hub/info";
import hubInstall from "./hub/install";
import hubUpdate from "./hub/update";
import hubDeprecate from "./hub/deprecate";
import hubYank from "./hub/yank";
import botSimulate from "./bot/simulate";
import botLogs from "./bot/logs";

export const commands: CommandDefinition<never>[] = [
  init,
  dev,
  build,
  dbMigrate,
  dbQuery,
  mcpStdio,
  mcpInspect,
  mcpConfig,
  login,
  logout,
  whoami,
  accountCreate,
  accountList,
  accountKeysCreate,
  accountKeysList,
  accountKeysRevoke,
  deploy,
  deploymentsList,
  rollback,
  secretPut,
  secretList,
  secretDelete,
  logs,
  projects,
  workspaceCreate,
  workspaceList,
  workspaceShow,
  workspaceUpdate,
  workspaceDelete,
  workspaceAdd,
  workspaceRemove,
  workspaceEnable,
  workspaceDisable,
  workspaceConnect,
  workspaceAccept,
  tokenCreate,
  workflowRun,
  workflowList,
  workflowStatus,
  workflowLogs,
  workflowApprove,
  workflowReply,
  workflowCancel,
  workflowRetry,
  tokenList,
  tokenRevoke,
  hubPublish,
  hubSearch,
  hubInfo,
  hubInstall,
  hubUpdate,
  hubDeprecate,
  hubYank,
  botSimulate,
  botLogs,
  analytics,
  platformStart,
  platformBuild,
  platformBootstrap,
] as CommandDefinition<never>[];
