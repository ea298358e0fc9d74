/** Workflows: deploy a definition (checked again here), list the account's, read one, start and list runs; a run's status, trace, approval, reply, cancel and retry. */
import type * as z from "zod/mini";
import { MEMBER_SLUG_PATTERN } from "../../../shared/gateway";
import { RUN_ID_PATTERN, WORKFLOW_NAME_PATTERN, type DecisionBodySchema, type DeployWorkflowBodySchema, type ReplyBodySchema, type RetryBodySchema, type RunInfo, type StartRunBodySchema, type WorkflowInfo } from "../../../shared/workflows";
import { formatProblems, validateWorkflow } from "../../../shared/workflows-validate";
import { directory } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { workflowRegistry, type WorkflowMeta } from "../../workflows/registry/workflow-registry";
import { workflowRun } from "../../workflows/engine/workflow-run";
import { callerOf, type ApiContext } from "../context";
import { intQuery } from "../params";
import { approvalLinks } from "../../workflows/http/approval-links";

function workflowName(c: ApiContext): string {
  const name = c.params.workflow ?? "";
  if (!WORKFLOW_NAME_PATTERN.test(name)) throw new HttpError("bad_name", `workflow name ${JSON.stringify(name.slice(0, 64))} is not valid: use a lowercase slug such as "refunds"`);
  return name;
}

function runId(c: ApiContext): string {
  const id = c.params.run ?? "";
  if (!RUN_ID_PATTERN.test(id)) throw new HttpError("bad_name", `run id ${JSON.stringify(id.slice(0, 64))} is not valid: run ids look like run_ and 24 hex digits (see \`aerostack workflow list\`)`);
  return id;
}

const notFound = (c: ApiContext, name: string) =>
  new HttpError("workflow_not_found", `no workflow "${name}" in account "${callerOf(c).account}"; deploy it with \`aerostack deploy\` in its folder`);
const runNotFound = (c: ApiContext, id: string) => new HttpError("run_not_found", `no run ${id} in account "${callerOf(c).account}"; list runs with \`aerostack workflow list <workflow>\``);

function describe(c: ApiContext, meta: WorkflowMeta): WorkflowInfo {
  const trigger = meta.definition.nodes.find((n) => n.type === "trigger");
  return {
    name: meta.name,
    account: meta.account,
    workspace: meta.workspace,
    version: meta.version,
    updatedAt: meta.updatedAt,
    nodes: meta.definition.nodes.length,
    hookUrl: `${c.url.origin}/hooks/${meta.name}`,
    agentUrl: `${c.url.origin}/agents/${meta.name}`,
    cron: (trigger?.config as { cron?: string } | undefined)?.cron ?? null,
  };
}

export async function deployWorkflow(c: ApiContext<z.output<typeof DeployWorkflowBodySchema>>) {
  const name = workflowName(c);
  const account = callerOf(c).account;
  const checked = validateWorkflow(c.body.definition);
  if (!checked.ok) throw new HttpError("invalid_workflow", `the workflow definition has problems:\n${formatProblems(checked.problems)}`);
  const definition = checked.definition;
  if (definition.name !== name) throw new HttpError("invalid_workflow", `the definition is named "${definition.name}" but is deployed as "${name}"; make them match`);
  // `aerostack dev` prints emails to its terminal; a platform needs a provider to send them through.
  const emailGate = definition.nodes.find((n) => n.type === "auth_gate" && (n.config as { channel?: string } | undefined)?.channel === "email");
  if (emailGate && !definition.email) {
    throw new HttpError("invalid_workflow", `node "${emailGate.id}": auth_gate's email channel needs an email provider: add [email] (url, from, api_key_secret) to aerostack.toml, or "email" to the definition`);
  }
  const workspace = c.body.workspace ?? definition.workspace ?? null;
  if (workspace !== null) {
    if (!MEMBER_SLUG_PATTERN.test(workspace)) throw new HttpError("invalid_workflow", `workspace ${JSON.stringify(workspace)} is not a workspace name`);
    if ((await directory(c.env).workspaceOwner(workspace)) !== account) {
      throw new HttpError("workspace_not_found", `no workspace "${workspace}" in account "${account}" for the workflow's tools; create it with \`aerostack workspace create ${workspace}\``);
    }
  }
  const result = await workflowRegistry(c.env, name).deploy(account, name, definition, workspace, c.body.dryRun);
  if (!result.ok) throw new HttpError("forbidden", result.message);
  if (!c.body.dryRun) await directory(c.env).recordWorkflow(account, name);
  return { workflow: describe(c, result.meta), unchanged: result.unchanged, dryRun: c.body.dryRun };
}

/** The account's workflows: the directory's index names them, each one's own object describes it. */
export async function listWorkflows(c: ApiContext) {
  const account = callerOf(c).account;
  const names = await directory(c.env).listWorkflows(account);
  const metas = await Promise.all(names.map((name) => workflowRegistry(c.env, name).get(account)));
  return { workflows: metas.filter((m): m is WorkflowMeta => m !== null).map((m) => describe(c, m)) };
}

export async function getWorkflow(c: ApiContext) {
  const name = workflowName(c);
  const meta = await workflowRegistry(c.env, name).get(callerOf(c).account);
  if (!meta) throw notFound(c, name);
  return describe(c, meta);
}

export async function startWorkflowRun(c: ApiContext<z.output<typeof StartRunBodySchema>>): Promise<RunInfo> {
  const name = workflowName(c);
  const started = await workflowRegistry(c.env, name).startRun({ account: callerOf(c).account, trigger: "api", payload: { input: c.body.input } });
  if (!started.ok) throw notFound(c, name);
  return withLinks(c, (await workflowRun(c.env, started.runId).info())!);
}

export async function listWorkflowRuns(c: ApiContext) {
  const name = workflowName(c);
  const runs = await workflowRegistry(c.env, name).listRuns(callerOf(c).account, intQuery(c, "limit", 1, 1000) ?? 50);
  if (!runs) throw notFound(c, name);
  return { runs };
}

/** A run as the API shows it: a waiting approval carries its signed approve and reject links. */
async function withLinks(c: ApiContext, info: RunInfo): Promise<RunInfo> {
  if (!info.waiting.some((w) => w.kind === "approval")) return info;
  const links = await approvalLinks(c.env, c.url.origin, info.workflow, info.id);
  return { ...info, waiting: info.waiting.map((w) => (w.kind === "approval" ? { ...w, ...links } : w)) };
}

export async function getRun(c: ApiContext): Promise<RunInfo> {
  const id = runId(c);
  const info = await workflowRun(c.env, id).info(callerOf(c).account);
  if (!info) throw runNotFound(c, id);
  return withLinks(c, info);
}

export async function runTrace(c: ApiContext) {
  const id = runId(c);
  const trace = await workflowRun(c.env, id).trace(callerOf(c).account, intQuery(c, "after", 0, Number.MAX_SAFE_INTEGER) ?? 0);
  if (!trace) throw runNotFound(c, id);
  return trace;
}

/** A delivery to a waiting node (approval, reply): refused with the reason when nothing waits for it. */
async function delivered(c: ApiContext, id: string, outcome: { ok: boolean; message: string }): Promise<RunInfo> {
  if (!outcome.ok) {
    if (outcome.message === "not found") throw runNotFound(c, id);
    throw new HttpError("run_conflict", `run ${id}: ${outcome.message}`);
  }
  return withLinks(c, (await workflowRun(c.env, id).info())!);
}

export async function decideRun(c: ApiContext<z.output<typeof DecisionBodySchema>>): Promise<RunInfo> {
  const id = runId(c);
  const caller = callerOf(c);
  const decision = { approve: c.body.approve, by: `${caller.account}/${caller.keyName}`, ...(c.body.reason !== undefined ? { reason: c.body.reason } : {}) };
  return delivered(c, id, await workflowRun(c.env, id).decide(caller.account, decision));
}

export async function replyRun(c: ApiContext<z.output<typeof ReplyBodySchema>>): Promise<RunInfo> {
  const id = runId(c);
  return delivered(c, id, await workflowRun(c.env, id).reply(callerOf(c).account, c.body.text));
}

export async function cancelRun(c: ApiContext): Promise<RunInfo> {
  const id = runId(c);
  const info = await workflowRun(c.env, id).cancel(callerOf(c).account);
  if (!info) throw runNotFound(c, id);
  return info;
}

export async function retryRun(c: ApiContext<z.output<typeof RetryBodySchema>>): Promise<RunInfo> {
  const id = runId(c);
  const outcome = await workflowRun(c.env, id).retryFrom(callerOf(c).account, c.body.from);
  if (!outcome.ok) {
    if (outcome.message === "not found") throw runNotFound(c, id);
    throw new HttpError("run_conflict", `run ${id}: ${outcome.message}`);
  }
  return outcome.run!;
}
