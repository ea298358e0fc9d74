/**
 * confidence_router: scores how demanding the input looks (length, questions, reasoning words), answers with the
 * cheap model below the threshold and the strong one above it, and follows the branch it chose ("cheap" or "strong").
 * The score is a fixed rule rather than another model call, so routing costs nothing and is the same every time.
 */
import { chat, tokensOf } from "../ai/chat";
import type { NodeExecutor } from "./types";

const REASONING = /\b(why|explain|analy[sz]e|compare|plan|prove|design|trade-?offs?|step by step|legal|contract|diagnos\w*)\b/gi;

/** 0..1: how much the prompt looks like it needs the strong model. */
export function complexity(prompt: string): number {
  const words = prompt.split(/\s+/).filter(Boolean).length;
  const questions = (prompt.match(/\?/g) ?? []).length;
  const reasoning = (prompt.match(REASONING) ?? []).length;
  return Math.min(1, words / 300 + questions * 0.1 + reasoning * 0.2);
}

export const confidenceRouter: NodeExecutor<"confidence_router"> = {
  type: "confidence_router",
  async run(ctx) {
    const c = ctx.config as { prompt: string; cheapModel?: string; strongModel?: string; threshold: number };
    const prompt = String(c.prompt);
    const score = complexity(prompt);
    const route = score > c.threshold ? "strong" : "cheap";
    const model = route === "strong" ? c.strongModel : c.cheapModel;
    const result = await chat(ctx, { messages: [{ role: "user", content: prompt }], ...(model ? { model } : {}) });
    return { output: { route, score, model: result.model, text: result.text }, branch: route, tokens: tokensOf(result) };
  },
};
