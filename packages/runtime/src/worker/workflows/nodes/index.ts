/** Every node type's executor, once: adding a node type is its schema in shared/workflows.ts, its file here, and one entry below. */
import type { NodeType } from "../../../shared/workflows";
import type { NodeExecutor } from "./types";
import { trigger } from "./trigger";
import { setVariable } from "./set-variable";
import { logic } from "./logic";
import { loop } from "./loop";
import { parallel } from "./parallel";
import { llmCall } from "./llm-call";
import { agentLoop } from "./agent-loop";
import { mcpTool } from "./mcp-tool";
import { codeBlock } from "./code-block";
import { httpRequest } from "./http-request";
import { confidenceRouter } from "./confidence-router";
import { guardrail } from "./guardrail";
import { authGate } from "./auth-gate";
import { humanHandoff } from "./human-handoff";
import { sendMessage } from "./send-message";
import { scheduleMessage } from "./schedule-message";
import { delegateToWorkflow } from "./delegate-to-workflow";
import { delegateToBot } from "./delegate-to-bot";
import { errorHandler } from "./error-handler";
import { end } from "./end";

export const NODE_EXECUTORS: { [T in NodeType]: NodeExecutor<T> } = {
  trigger,
  set_variable: setVariable,
  logic,
  loop,
  parallel,
  llm_call: llmCall,
  agent_loop: agentLoop,
  mcp_tool: mcpTool,
  code_block: codeBlock,
  http_request: httpRequest,
  confidence_router: confidenceRouter,
  guardrail,
  auth_gate: authGate,
  human_handoff: humanHandoff,
  send_message: sendMessage,
  schedule_message: scheduleMessage,
  delegate_to_workflow: delegateToWorkflow,
  delegate_to_bot: delegateToBot,
  error_handler: errorHandler,
  end,
};

/** Config keys a node type takes literally: code_block's source is code, never a template. */
export const LITERAL_KEYS: Partial<Record<NodeType, readonly string[]>> = { code_block: ["code"] };
