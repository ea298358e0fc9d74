/**
 * guardrail: checks text against a policy — patterns (regular expressions, matched as data), a maximum length, and
 * optionally an LLM judge answering PASS or FAIL — then blocks (the node fails), redacts the matches and passes,
 * or branches ("pass" / "fail").
 */
import { chat } from "../ai/chat";
import { NodeFailure, type NodeExecutor } from "./types";

const MAX_PATTERN_CHARS = 200;

interface GuardrailConfig {
  text: unknown;
  patterns: string[];
  maxLength?: number;
  judge?: { model?: string; policy: string };
  action: "block" | "redact" | "branch";
}

function compile(pattern: string): RegExp {
  if (pattern.length > MAX_PATTERN_CHARS) throw new NodeFailure(`guardrail: a pattern is at most ${MAX_PATTERN_CHARS} characters`);
  try {
    return new RegExp(pattern, "gi");
  } catch (err) {
    throw new NodeFailure(`guardrail: pattern ${JSON.stringify(pattern)} is not a regular expression (${err instanceof Error ? err.message : String(err)})`);
  }
}

export const guardrail: NodeExecutor<"guardrail"> = {
  type: "guardrail",
  async run(ctx) {
    const c = ctx.config as unknown as GuardrailConfig;
    const text = typeof c.text === "string" ? c.text : JSON.stringify(c.text ?? "");
    const violations: string[] = [];
    let redacted = text;
    for (const pattern of c.patterns) {
      const re = compile(pattern);
      if (re.test(text)) violations.push(`matches ${pattern}`);
      redacted = redacted.replace(compile(pattern), "[redacted]");
    }
    if (c.maxLength !== undefined && text.length > c.maxLength) violations.push(`longer than ${c.maxLength} characters`);
    let tokens;
    if (c.judge) {
      const verdict = await chat(ctx, {
        ...(c.judge.model ? { model: c.judge.model } : {}),
        messages: [
          { role: "system", content: `You check text against a policy. Answer PASS or FAIL and one short reason.\nPolicy: ${c.judge.policy}` },
          { role: "user", content: text },
        ],
      });
      tokens = { input: verdict.usage.inputTokens, output: verdict.usage.outputTokens };
      if (/^\W*fail/i.test(verdict.text)) violations.push(`judge: ${verdict.text.slice(0, 200)}`);
    }
    const passed = violations.length === 0;
    if (!passed && c.action === "block") throw new NodeFailure(`guardrail blocked the text: ${violations.join("; ")}`);
    const output = { passed, violations, text: c.action === "redact" ? redacted : text };
    return { output, branch: passed || c.action === "redact" ? "pass" : "fail", ...(tokens ? { tokens } : {}) };
  },
};
