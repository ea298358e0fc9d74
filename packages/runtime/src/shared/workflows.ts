/**
 * The workflow definition format: one zod schema per node type's configuration, the node and edge shapes, and the
 * API bodies of runs and traces. The CLI validates with it before a deploy, the platform validates with it again on
 * receipt, and workflows-json-schema.ts turns it into the JSON Schema shipped for editor completion. Graph rules
 * (dangling edges, reachability, cycles, references) live in workflows-validate.ts; data paths in workflows-paths.ts.
 */
// zod/mini: the platform worker bundles these schemas, and workerd parses that bundle at every start.
import * as z from "zod/mini";

/** Node ids: what interpolation paths name (`nodes.<id>.output`), so letters, digits and underscores only. */
export const NODE_ID_PATTERN = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Workflow names are slugs, like project names: they appear in `/hooks/<name>` and `/agents/<name>`. */
export const WORKFLOW_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
export const RUN_ID_PATTERN = /^run_[0-9a-f]{24}$/;

/** Limits a definition is checked against before it may deploy. */
export const WORKFLOW_LIMITS = {
  maxNodes: 500,
  maxEdges: 2000,
  /** code_block source, in characters. */
  maxCodeChars: 32 * 1024,
  /** code_block CPU time per attempt. */
  maxCodeCpuMs: 5_000,
  /** Largest JSON a code_block takes or returns. */
  maxCodeIoBytes: 256 * 1024,
  maxLoopIterations: 10_000,
  maxAgentIterations: 50,
  maxRetryAttempts: 20,
  maxTimeoutMs: 24 * 60 * 60 * 1000,
  /** A wait (human_handoff, auth_gate, schedule_message) is at most 30 days. */
  maxWaitMs: 30 * 24 * 60 * 60 * 1000,
  /** One node's recorded output, as JSON. */
  maxOutputBytes: 1024 * 1024,
} as const;

// ── shared pieces of node configs ────────────────────────────────────────────────────────────────────────────────

/** Any JSON value; strings inside may hold `{{ path }}` templates, resolved when the node runs. */
const value = z.unknown();
const text = z.string();
const positiveMs = (max: number) => z.int().check(z.gte(1), z.lte(max));

/** A comparison on data paths: `left op right`, both sides templates or literals. */
export const ConditionSchema = z.object({
  left: value,
  op: z.enum(["eq", "ne", "gt", "gte", "lt", "lte", "contains", "exists", "truthy", "matches"]),
  right: z.optional(value),
});
export type Condition = z.output<typeof ConditionSchema>;

// ── one configuration schema per node type ──────────────────────────────────────────────────────────────────────

export const NODE_CONFIG_SCHEMAS = {
  /** The entry: its output is the trigger's payload (`trigger.body`, `trigger.headers`, `trigger.input`). */
  trigger: z.object({
    /** `0 9 * * 1-5`-style cron (5 fields, UTC): the workflow also starts on this schedule. */
    cron: z.optional(z.string().check(z.regex(/^\S+(\s+\S+){4}$/, "must be a 5-field cron expression such as \"*/5 * * * *\""))),
    /** Webhook HMAC: the secret holding the key; requests must carry `x-aerostack-signature: sha256=<hex>` of the body. */
    hmacSecret: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a secret name"))),
  }),
  set_variable: z.object({ name: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a variable name")), value }),
  /** if/else on a condition (branches "true" and "false"), or switch on a value (branch = the matching case, else "default"). */
  logic: z.object({ if: z.optional(ConditionSchema), switch: z.optional(value), cases: z.optional(z.array(z.string()).check(z.maxLength(100))) }),
  /** Over a list (`over`) or until a condition holds (`until`), at most `max` times: branch "body" per item, then "done". */
  loop: z.object({ over: z.optional(value), until: z.optional(ConditionSchema), max: z._default(z.int().check(z.gte(1), z.lte(WORKFLOW_LIMITS.maxLoopIterations)), 100) }),
  /** Every outgoing edge starts at once; the `join` node runs when all (or, with mode "any", the first) arrive. */
  parallel: z.object({ join: z.string(), mode: z._default(z.enum(["all", "any"]), "all") }),
  llm_call: z.object({
    model: z.optional(z.string()),
    system: z.optional(text),
    prompt: text,
    /** JSON Schema the answer (parsed as JSON) must satisfy; checked for type, required and properties. */
    outputSchema: z.optional(z.record(z.string(), z.unknown())),
    temperature: z.optional(z.number().check(z.gte(0), z.lte(2))),
    maxTokens: z.optional(z.int().check(z.gte(1), z.lte(200_000))),
  }),
  agent_loop: z.object({
    model: z.optional(z.string()),
    system: z.optional(text),
    prompt: text,
    /** Workspace tools (`member__tool`) the agent may call; empty means every tool of the workspace. */
    tools: z._default(z.array(z.string()).check(z.maxLength(64)), []),
    maxIterations: z._default(z.int().check(z.gte(1), z.lte(WORKFLOW_LIMITS.maxAgentIterations)), 8),
    /** Stop as soon as the answer contains this text (besides the model answering without tool calls). */
    stopWhen: z.optional(z.string()),
  }),
  /** A workspace tool through the gateway (`member__tool`); secrets are injected there, never seen here. */
  mcp_tool: z.object({ tool: z.string().check(z.regex(/^[a-z0-9-]+__\S+$/, "must be a gateway tool name: member__tool")), arguments: z._default(z.record(z.string(), value), {}) }),
  /** JavaScript: the body of `async function (input)`, run in an isolate with no network; returns JSON. */
  code_block: z.object({ code: z.string().check(z.minLength(1)), input: z.optional(value), cpuMs: z._default(z.int().check(z.gte(1)), 1000) }),
  http_request: z.object({
    url: text,
    method: z._default(z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"]), "GET"),
    headers: z._default(z.record(z.string(), z.string()), {}),
    body: z.optional(value),
  }),
  /** Classifies the input, answers with the cheap model when the task looks simple, else the strong one. */
  confidence_router: z.object({
    prompt: text,
    cheapModel: z.optional(z.string()),
    strongModel: z.optional(z.string()),
    /** 0..1: complexity above it goes to the strong model. */
    threshold: z._default(z.number().check(z.gte(0), z.lte(1)), 0.5),
  }),
  /** Checks text against patterns, a length and an optional LLM judge; then pass, block, redact or branch. */
  guardrail: z.object({
    text,
    patterns: z._default(z.array(z.string()).check(z.maxLength(100)), []),
    maxLength: z.optional(z.int().check(z.gte(1))),
    judge: z.optional(z.object({ model: z.optional(z.string()), policy: text })),
    action: z._default(z.enum(["block", "redact", "branch"]), "block"),
  }),
  /** A one-time code sent through the run's channel (or printed in dev); the reply is verified with limited attempts. */
  auth_gate: z.object({
    identity: text,
    channel: z._default(z.enum(["run", "email"]), "run"),
    codeLength: z._default(z.int().check(z.gte(4), z.lte(10)), 6),
    maxAttempts: z._default(z.int().check(z.gte(1), z.lte(10)), 3),
    waitMs: z._default(positiveMs(WORKFLOW_LIMITS.maxWaitMs), 15 * 60 * 1000),
  }),
  /** Pauses until approved or rejected (CLI, API or signed link); branches "approved", "rejected", "timeout". */
  human_handoff: z.object({ message: text, waitMs: z._default(positiveMs(WORKFLOW_LIMITS.maxWaitMs), 7 * 24 * 60 * 60 * 1000) }),
  send_message: z.object({ text }),
  /** Sends later (after `delayMs`), durably: the wait survives a restart. */
  schedule_message: z.object({ text, delayMs: positiveMs(WORKFLOW_LIMITS.maxWaitMs) }),
  /** Runs another workflow of the same account and waits for its output. */
  delegate_to_workflow: z.object({ workflow: z.string().check(z.regex(WORKFLOW_NAME_PATTERN, "must be a workflow name")), input: z._default(value, {}) }),
  /**
   * Hands the conversation to another bot of the account (agent mode) and takes its answer: `text` is its message,
   * the answer is the node's output (`{ bot, text }`) and, with `send`, a message to the run's conversation.
   */
  delegate_to_bot: z.object({
    bot: z.string().check(z.regex(WORKFLOW_NAME_PATTERN, "must be a bot name (a lowercase slug)")),
    text,
    send: z._default(z.boolean(), true),
  }),
  /** Catches the failure of the nodes it names (every node when omitted); its output is the error. Reached by no edge. */
  error_handler: z.object({ catch: z.optional(z.array(z.string())) }),
  /** Ends the run with this output (default: the previous node's). */
  end: z.object({ output: z.optional(value) }),
} as const;

export type NodeType = keyof typeof NODE_CONFIG_SCHEMAS;
export const NODE_TYPES = Object.keys(NODE_CONFIG_SCHEMAS) as NodeType[];
export type NodeConfig<T extends NodeType> = z.output<(typeof NODE_CONFIG_SCHEMAS)[T]>;

/** Which branch names a node type may follow besides "next" (edges naming another are refused at deploy). */
export const NODE_BRANCHES: Partial<Record<NodeType, readonly string[]>> = {
  logic: ["true", "false", "default"],
  loop: ["body", "done"],
  human_handoff: ["approved", "rejected", "timeout"],
  auth_gate: ["verified", "failed"],
  guardrail: ["pass", "fail"],
  confidence_router: ["cheap", "strong"],
};

export const RetrySchema = z.object({
  attempts: z._default(z.int().check(z.gte(1), z.lte(WORKFLOW_LIMITS.maxRetryAttempts)), 1),
  backoffMs: z._default(z.int().check(z.gte(0), z.lte(WORKFLOW_LIMITS.maxWaitMs)), 1000),
  factor: z._default(z.number().check(z.gte(1), z.lte(10)), 2),
});

/** Every node: its id, its type and config, and how failures are handled. */
export const NodeSchema = z.object({
  id: z.string().check(z.regex(NODE_ID_PATTERN, "must start with a letter; letters, digits and underscores, at most 64")),
  type: z.string(),
  config: z._default(z.record(z.string(), z.unknown()), {}),
  retry: z.optional(RetrySchema),
  timeoutMs: z.optional(positiveMs(WORKFLOW_LIMITS.maxTimeoutMs)),
  /** fail the run (default), continue with a null output, or follow the node's "error" edges. */
  onError: z._default(z.enum(["fail", "continue", "branch"]), "fail"),
});
export type WorkflowNode = z.output<typeof NodeSchema>;

export const EdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** The branch this edge follows (default "next"; "error" with onError = "branch"). */
  on: z._default(z.string(), "next"),
});
export type WorkflowEdge = z.output<typeof EdgeSchema>;

/**
 * An HTTP email API: POST `{ from, to: [address], subject, text }` as JSON with `Authorization: Bearer <secret>`
 * (Resend's shape; a relay that speaks it fronts SMTP). The key is a secret's name, never its value.
 */
export const EmailProviderSchema = z.object({
  url: z.string().check(z.regex(/^https?:\/\/\S+$/, "must be an http(s) URL of an email API")),
  from: z.string().check(z.minLength(3), z.maxLength(320)),
  apiKeySecret: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a secret name (letters, digits, underscores)"))),
  subject: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
export type EmailProvider = z.output<typeof EmailProviderSchema>;

export const WorkflowDefinitionSchema = z.object({
  $schema: z.optional(z.string()),
  name: z.string().check(z.regex(WORKFLOW_NAME_PATTERN, "must be a lowercase slug such as \"refunds\"")),
  description: z.optional(z.string().check(z.maxLength(2000))),
  /** The workspace whose tools mcp_tool and agent_loop call (default: the one the deploy binds). */
  workspace: z.optional(z.string()),
  /** Initial `vars`, overwritten by set_variable nodes. */
  vars: z._default(z.record(z.string(), z.unknown()), {}),
  /** auth_gate's email provider (aerostack.toml `[email]` fills it at deploy): an HTTP API taking JSON. */
  email: z.optional(EmailProviderSchema),
  nodes: z.array(NodeSchema).check(z.minLength(1), z.maxLength(WORKFLOW_LIMITS.maxNodes)),
  edges: z._default(z.array(EdgeSchema).check(z.maxLength(WORKFLOW_LIMITS.maxEdges)), []),
});
export type WorkflowDefinition = z.output<typeof WorkflowDefinitionSchema>;
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinitionSchema>;

// ── runs, traces and the API ─────────────────────────────────────────────────────────────────────────────────────

export const RUN_STATUSES = ["running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TraceEventSchema = z.object({
  id: z.number(),
  ts: z.number(),
  node: z.nullable(z.string()),
  /** Loop and revisit index of the node: its path is `node#visit`. */
  visit: z.number(),
  kind: z.string(),
  attempt: z.number(),
  input: z.optional(z.unknown()),
  output: z.optional(z.unknown()),
  error: z.optional(z.string()),
  durationMs: z.optional(z.number()),
  tokens: z.optional(z.object({ input: z.number(), output: z.number() })),
  branch: z.optional(z.string()),
});
export type TraceEvent = z.output<typeof TraceEventSchema>;

export const RunMessageSchema = z.object({ id: z.number(), ts: z.number(), node: z.nullable(z.string()), text: z.string() });
export type RunMessage = z.output<typeof RunMessageSchema>;

export const RunInfoSchema = z.object({
  id: z.string(),
  workflow: z.string(),
  version: z.number(),
  status: z.enum(RUN_STATUSES),
  trigger: z.string(),
  createdAt: z.number(),
  updatedAt: z.number(),
  output: z.optional(z.unknown()),
  error: z.optional(z.string()),
  /** Nodes paused on a wait, and what for (approval, reply, time). */
  waiting: z.array(
    z.object({
      node: z.string(),
      kind: z.string(),
      until: z.nullable(z.number()),
      message: z.optional(z.string()),
      /** For an approval: signed links that approve or reject this run with a POST, no account key needed. */
      approveUrl: z.optional(z.string()),
      rejectUrl: z.optional(z.string()),
    }),
  ),
  /** Nodes whose attempt is in progress. */
  running: z.array(z.string()),
});
export type RunInfo = z.output<typeof RunInfoSchema>;

export const WorkflowInfoSchema = z.object({
  name: z.string(),
  account: z.string(),
  workspace: z.nullable(z.string()),
  version: z.number(),
  updatedAt: z.number(),
  nodes: z.number(),
  hookUrl: z.string(),
  agentUrl: z.string(),
  cron: z.nullable(z.string()),
});
export type WorkflowInfo = z.output<typeof WorkflowInfoSchema>;

export const DeployWorkflowBodySchema = z.object({
  definition: z.unknown(),
  /** The workspace mcp_tool and agent_loop call; overrides the definition's own. */
  workspace: z.optional(z.string()),
  dryRun: z._default(z.boolean(), false),
});
export type DeployWorkflowBody = z.input<typeof DeployWorkflowBodySchema>;
export const DeployWorkflowResultSchema = z.object({ workflow: WorkflowInfoSchema, unchanged: z.boolean(), dryRun: z.boolean() });
export type DeployWorkflowResult = z.output<typeof DeployWorkflowResultSchema>;

export const StartRunBodySchema = z.object({ input: z._default(z.unknown(), {}) });
export const DecisionBodySchema = z.object({ approve: z.boolean(), reason: z.optional(z.string().check(z.maxLength(2000))) });
export const ReplyBodySchema = z.object({ text: z.string().check(z.minLength(1), z.maxLength(10_000)) });
export const RetryBodySchema = z.object({ from: z.string().check(z.regex(NODE_ID_PATTERN, "must be a node id")) });
export const RunSummarySchema = z.object({ id: z.string(), version: z.number(), status: z.string(), trigger: z.string(), createdAt: z.number(), updatedAt: z.number() });
export type RunSummary = z.output<typeof RunSummarySchema>;
export const RunListSchema = z.object({ runs: z.array(RunSummarySchema) });
export const TraceSchema = z.object({ run: RunInfoSchema, events: z.array(TraceEventSchema), messages: z.array(RunMessageSchema), cursor: z.number() });
export type Trace = z.output<typeof TraceSchema>;

/** Control API (host token only): move a run's clock forward instead of waiting. */
export const ClockAdvanceSchema = z.object({ advanceMs: z.int().check(z.gte(1), z.lte(366 * 24 * 60 * 60 * 1000)) });

/** Control API (host token only, dev mode): `aerostack dev` stores the project's definition, checked as a deploy is. */
export const DevWorkflowPutSchema = z.object({ definition: z.unknown() });
/** Control API (host token only, dev mode): this start's key for the local account (only its hash crosses). */
export const DevAccountSchema = z.object({
  keyId: z.string().check(z.regex(/^key_[a-z0-9]{8,32}$/)),
  keyHash: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
/** The account's workflows (`aerostack workflow list` without a name). */
export const WorkflowListSchema = z.object({ workflows: z.array(WorkflowInfoSchema) });
