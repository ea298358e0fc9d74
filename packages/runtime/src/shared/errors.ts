/** The one list of wire error codes the platform answers with (`{ error: { code, message } }`), and their HTTP status. */

export const ERROR_CODES = {
  bad_json: 400,
  invalid_body: 400,
  invalid_query: 400,
  bad_name: 400,
  /** Control API: a path's workspace or tenant id, or a query parameter, is malformed. */
  bad_workspace: 400,
  bad_project: 400,
  bad_query: 400,
  /** Control API: a Durable Object refused the call (a failing SQL statement, say); the message is the caller's to read. */
  failed: 400,
  unauthorized: 401,
  forbidden: 403,
  /** Hub: the package name belongs to another account. */
  hub_name_owned: 403,
  not_found: 404,
  project_not_found: 404,
  unknown_env: 404,
  deployment_not_found: 404,
  secret_not_found: 404,
  key_not_found: 404,
  workspace_not_found: 404,
  member_not_found: 404,
  /** The rug-pull guard: no tool of that name awaits acceptance. */
  changed_tool_not_found: 404,
  token_not_found: 404,
  workflow_not_found: 404,
  run_not_found: 404,
  package_not_found: 404,
  bot_not_found: 404,
  version_not_found: 404,
  method_not_allowed: 405,
  account_exists: 409,
  workspace_exists: 409,
  no_previous_version: 409,
  /** A workflow run is not in a state the request needs (nothing waiting for approval, still running, …). */
  run_conflict: 409,
  /** Hub: versions are immutable once published. */
  hub_version_exists: 409,
  /** Hub: new installs refuse a yanked version. */
  version_yanked: 409,
  member_exists: 409,
  /** The project has no active deployment (publishing needs the deployed code). */
  not_deployed: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  missing_secret: 422,
  module_load_failed: 422,
  migration_failed: 422,
  /** A Hub package's migrations failed on an install's own database: the install or update was refused, nothing applied. */
  install_migration_failed: 422,
  invalid_member: 422,
  /** A workflow definition failed its checks: the message lists each node and reason. */
  invalid_workflow: 422,
  /** A bot definition failed its checks (a platform, its workflow, its approvals chat). */
  invalid_bot: 422,
  /** A webhook's HMAC signature is missing or wrong. */
  bad_signature: 401,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A control-API / public-API error body. Local errors on either side never travel as anything but this shape. */
export interface WireError {
  error: { code: string; message: string };
}

/**
 * OAuth endpoints (worker/oauth) answer RFC 6749 §5.2 bodies, `{ error, error_description }`, which OAuth clients
 * parse: their codes and statuses, kept in this one file beside the platform's own.
 */
export const OAUTH_ERROR_CODES = {
  invalid_request: 400,
  invalid_client: 401,
  invalid_grant: 400,
  unauthorized_client: 400,
  unsupported_grant_type: 400,
  invalid_target: 400,
  invalid_client_metadata: 400,
  invalid_redirect_uri: 400,
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_ERROR_CODES;
