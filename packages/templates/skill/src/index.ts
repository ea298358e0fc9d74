/**
 * The skill's optional function. Without this file the platform sends SKILL.md's prompt and the input to
 * env.AI.chat by itself; with it, `run` decides what the tool does (here: the same chat call, plus a word count).
 * The input is already checked against SKILL.md's input_schema when `run` is called.
 */
import type { AerostackEnv } from "@aerostack/runtime/types";
import type { SkillDefinition } from "@aerostack/runtime/mcp";

interface Input {
  text: string;
  sentences?: number;
}

export async function run(input: Input, env: AerostackEnv, skill: SkillDefinition) {
  const sentences = input.sentences ?? 3;
  const answer = await env.AI.chat({
    ...(skill.model ? { model: skill.model } : {}),
    messages: [
      { role: "system", content: skill.prompt.replace(/\{\{\s*sentences\s*\}\}/g, String(sentences)) },
      { role: "user", content: `Summarize this:\n\n${input.text}` },
    ],
  });
  const words = input.text.split(/\s+/).filter(Boolean).length;
  return `${answer.text}\n\n(${words} words in, ${answer.text.split(/\s+/).filter(Boolean).length} out)`;
}
