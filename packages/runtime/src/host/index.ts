/** Public API of the Node host: what the CLI and tests use. */
export { UserError, UsageError, ConfigError, StartupAborted } from "./errors";
export { CONFIG_FILE, loadProjectConfig, parseProjectConfig } from "./config/load";
export { createBundler, type Bundler, type BundleResult, type BundleOk } from "./bundle/bundle";
export { startPlatform, type Platform, type PlatformOptions } from "./platform/platform";
export { bootstrapAdmin, ADMIN_ACCOUNT } from "./platform/bootstrap";
export { startPlatformServer, defaultDataDir, PLATFORM_LOCK_FILE, type PlatformServer, type PlatformServerOptions } from "./platform/server";
export { ControlClient, ControlApiError, type MigrationResult, type QueryResult } from "./platform/control-client";
export { startDev, DEV_LOCK_FILE, type DevOptions, type DevSession } from "./dev/dev-session";
export type { DevEvent, DevReporter, StartupPhase } from "./dev/reporter";
export { buildProject, MANIFEST_FILE, type BuildResult, type BuildManifest } from "./build/build-project";
export { liveDevLock, withLocalProject, type LocalProject } from "./local/local-platform";
export { readMigrations, deploymentSettings } from "./project/project";
export { listTemplates, scaffoldProject, type ScaffoldResult } from "./scaffold/scaffold";
export { runtimePackageFiles } from "./scaffold/runtime-package";
export { importModule } from "./startup/esm-import";
export type { ProjectConfig } from "../shared/config";
export { runStdioBridge, type StdioBridgeOptions } from "./mcp/bridge";
export { inspectServer, callRemoteTool, type ServerListing } from "./mcp/inspect";
export { parseEndpointUrl } from "./mcp/remote";
export { MCP_CLIENTS, ON_PATH, isMcpClient, clientEntry, clientSnippet, clientConfigPath, mergeClientConfig, type McpClient, type McpTarget, type MergeOutcome, type CliLauncher } from "./mcp/client-config";
export { buildCloudflareTarget, PLATFORM_TARGETS, DEFAULT_WORKER_NAME, type CloudflareBuildOptions, type CloudflareBuildResult } from "./cloudflare/build-target";
export { ApiClient, ApiError, type ApiClientOptions, type CallOptions, type RouteBody, type RouteResponse } from "./api/client";
export {
  credentialsPath,
  resolveCredentials,
  resolvePlatformUrl,
  readStoredLogin,
  saveLogin,
  deleteLogin,
  checkAccountKey,
  normalizePlatformUrl,
  DEFAULT_PLATFORM_URL,
  type Credentials,
  type StoredLogin,
} from "./api/credentials";
export { parseSince, parseExpires, readLogs, tailLogs, type LogSource } from "./api/logs";
export { deployProject, prepareDeploy, type DeployOptions, type DeployOutcome } from "./deploy/deploy";
export { deployWorkspace, type DeployWorkspaceOptions, type DeployWorkspaceOutcome } from "./deploy/deploy-workspace";
export { memberFromFlags, memberFromConfig, secretNamesOf, settingsFromConfig, workspaceSyncBody, type MemberFlags } from "./workspace/members";
export { resolveTarget, type ProjectTarget } from "./project/target";
export { definedEnvs, resolveEnvName, configFor } from "./config/env";
export {
  WORKSPACE_ROLES,
  type WorkspaceRole,
  type WorkspaceInfo,
  type WorkspaceSettings,
  type WorkspaceTokenInfo,
  type WorkspaceTokenCreated,
  type SyncWorkspaceResult,
  type CallRecord,
  type Analytics,
  type UsageRow,
  type MemberTools,
  type WorkspaceTools,
} from "../shared/workspaces";
export { MEMBER_SLUG_PATTERN, type Member } from "../shared/gateway";
export { DEFAULT_ENV, MAX_BUNDLE_BYTES, type DeployResult, type LogEntry, type Whoami, type KeyInfo, type DeploymentInfo, type SecretInfo } from "../shared/api";
export { deployWorkflowProject, loadWorkflowDefinition, type DeployWorkflowOptions } from "./workflows/deploy-workflow";
export { renderTraceTree } from "./workflows/trace-tree";
export { validateWorkflow, formatProblems } from "../shared/workflows-validate";
export type { RunInfo, Trace, TraceEvent, DeployWorkflowResult } from "../shared/workflows";
export { publishBody, packageParams, formatToolChanges } from "./hub/hub";
export { deployBotProject, projectBot, botDefinition, type DeployBotOptions } from "./bots/deploy-bot";
export { signedWebhook, ed25519PublicKeyHex, simulationSecrets, sendWebhook, type SignedWebhook, type SimulateInput } from "./bots/simulate";
export { BOT_PLATFORMS, type BotPlatform, type BotLogEntry, type DeployBotResult, type BotInfo } from "../shared/bots";
