/**
 * The control API's workflow routes (host token only): `aerostack dev` storing its project's definition under the
 * local account, bound to the dev workspace; this start's key for that account; and the cron's injectable clock.
 */
import type * as z from "zod/mini";
import type { PlatformEnv } from "../../env";
import { DEV_WORKSPACE } from "../../../shared/gateway";
import { ClockAdvanceSchema, DevAccountSchema, DevWorkflowPutSchema, WORKFLOW_NAME_PATTERN } from "../../../shared/workflows";
import { formatProblems, validateWorkflow } from "../../../shared/workflows-validate";
import { directory } from "../../accounts/directory";
import { HttpError, json } from "../../http/http-error";
import { workflowRegistry } from "../registry/workflow-registry";

type ReadBody = <S extends z.ZodMiniType>(request: Request, schema: S) => Promise<z.output<S>>;

/** Answers `/__aerostack/dev-account` and `/__aerostack/workflows/…`; null for any other control path. */
export async function serveWorkflowControl(request: Request, env: PlatformEnv, path: string[], account: string, readBody: ReadBody): Promise<Response | null> {
  const dev = env.AEROSTACK_MODE !== "platform";
  if (path[0] === "dev-account" && path.length === 1 && request.method === "POST") {
    // A platform's accounts are made through the API by its admin; only dev has this one, keyed per start.
    if (!dev) throw new HttpError("not_found", "no control route POST /dev-account on a platform");
    const body = await readBody(request, DevAccountSchema);
    await directory(env).devAccount(account, body.keyId, body.keyHash, "workflow commands");
    return json({ account });
  }
  if (path[0] !== "workflows") return null;
  const name = path[1] ?? "";
  if (!WORKFLOW_NAME_PATTERN.test(name)) throw new HttpError("bad_name", `workflow name ${JSON.stringify(name.slice(0, 64))} is not valid: use a lowercase slug`);
  const route = `${request.method} ${path.slice(2).join("/")}`;
  if (route === "PUT " && dev) {
    const body = await readBody(request, DevWorkflowPutSchema);
    const checked = validateWorkflow(body.definition);
    if (!checked.ok) throw new HttpError("invalid_workflow", `the workflow definition has problems:\n${formatProblems(checked.problems)}`);
    if (checked.definition.name !== name) throw new HttpError("invalid_workflow", `the definition is named "${checked.definition.name}" but is served as "${name}"`);
    // In dev every workflow calls the dev gateway (/ws/dev): the project's own MCP servers and proxies. The
    // directory records it as the local account's, as a workspace made through the API is its account's, so the
    // engine's ownership check before each tool call holds.
    const claimed = await directory(env).claimWorkspace({ account, admin: false, keyId: "dev", keyName: "aerostack dev" }, DEV_WORKSPACE);
    if (claimed === "taken") throw new HttpError("forbidden", `the workspace "${DEV_WORKSPACE}" belongs to another account on this platform`);
    const result = await workflowRegistry(env, name).deploy(account, name, checked.definition, DEV_WORKSPACE, false);
    if (!result.ok) throw new HttpError("forbidden", result.message);
    await directory(env).recordWorkflow(account, name);
    return json({ version: result.meta.version, unchanged: result.unchanged });
  }
  if (route === "POST clock") {
    const body = await readBody(request, ClockAdvanceSchema);
    return json(await workflowRegistry(env, name).advanceClock(body.advanceMs));
  }
  throw new HttpError("not_found", `no control route ${request.method} /${path.join("/")}`);
}
