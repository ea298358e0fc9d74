/**
 * The contract between the engine (engine/workflow-run.ts) and a node type (nodes/<type>.ts): what a node is given
 * when it runs and what it answers. A node never writes run state itself: it returns its output, branch, variable
 * changes, messages and its own state, and the engine commits them in the node's one completion transaction.
 */
import type { PlatformEnv } from "../../env";
import type { Condition, NodeType, WorkflowDefinition, WorkflowNode } from "../../../shared/workflows";
import type { Scope } from "../interpolate";

/** How a wait ended: an event delivered to the run (approval, reply, child result), or its time ran out. */
export type Wake = { kind: "event"; event: string; data: unknown } | { kind: "timeout" };

export interface NodeContext<C = Record<string, unknown>> {
  env: PlatformEnv;
  /** `ctx.exports` of the run's Durable Object (scoped entrypoints: ScopedAI, Egress). */
  exports: unknown;
  node: WorkflowNode;
  /** The config with templates resolved (secrets included: never record this object). */
  config: C;
  definition: WorkflowDefinition;
  scope: Scope;
  run: { id: string; account: string; workflow: string; version: number; workspace: string | null; tenant: string };
  /** `node#visit`: the node's path in the run (revisits in a loop count up). */
  path: string;
  visit: number;
  attempt: number;
  /** hash(runId, node path), computed on first use: sent with external effects so a repeated attempt is recognised downstream. */
  idempotencyKey(): Promise<string>;
  /** The run's clock (injectable: tests move it instead of sleeping). */
  now(): number;
  signal: AbortSignal;
  /** This node's own state from its previous visit or wait (a loop's index, an auth_gate's attempts). */
  state: unknown;
  /** Set when the node runs again because its wait ended. */
  wake: Wake | null;
  /** The output of the node that led here. */
  previous: unknown;
  /**
   * A durable sub-step: `fn` runs once per `name` in this node's path; a later attempt (after a crash) gets the
   * recorded result instead of running it again (agent_loop's LLM turns and tool calls).
   */
  step<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Evaluates a condition (already interpolated). */
  test(condition: Condition): boolean;
}

export interface NodeDone {
  output: unknown;
  /** The branch whose edges are followed (default "next"). */
  branch?: string;
  /** Variables to set, committed with the completion. */
  vars?: Record<string, unknown>;
  /** Messages to the run's conversation, committed with the completion (or the wait). */
  messages?: string[];
  /** This node's state for its next visit (null clears it). */
  state?: unknown;
  tokens?: { input: number; output: number };
  /** The run ends here with this output. */
  end?: boolean;
}

export interface NodeWait {
  wait: {
    /** What wakes it besides time: "approval", "reply", "child", or "time" for none. */
    kind: string;
    /** Run-clock time at which it wakes with a timeout (null: no timeout). */
    until: number | null;
    /** Shown by `workflow status` (the question being asked). */
    message?: string;
  };
  messages?: string[];
  state?: unknown;
}

export type NodeOutcome = NodeDone | NodeWait;

export interface NodeExecutor<T extends NodeType = NodeType> {
  type: T;
  run(ctx: NodeContext): Promise<NodeOutcome>;
}

export const isWait = (outcome: NodeOutcome): outcome is NodeWait => "wait" in outcome;

/** A node's failure that should not be retried (bad input, a refused policy): the message is the user's to read. */
export class NodeFailure extends Error {
  constructor(message: string, readonly retryable = false) {
    super(message);
    this.name = "NodeFailure";
  }
}
