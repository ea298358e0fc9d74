/**
 * delegate_to_bot: hands the conversation to another bot of the run's account and takes its answer. The bot answers
 * in its own chat for this conversation (memory of its own, kept across the conversation's hand-offs), in agent mode.
 * The question is asked once per node path (a durable step): an attempt repeated after a crash takes the recorded
 * answer instead of asking again.
 */
import { botRegistry } from "../../bots/registry";
import { botChat } from "../../bots/chat";
import { NodeFailure, type NodeExecutor } from "./types";

export const delegateToBot: NodeExecutor<"delegate_to_bot"> = {
  type: "delegate_to_bot",
  async run(ctx) {
    const { bot, text, send } = ctx.config as { bot: string; text: unknown; send: boolean };
    const message = (typeof text === "string" ? text : JSON.stringify(text)).trim();
    if (!message) throw new NodeFailure("delegate_to_bot: text is empty; give the message for the bot (for example \"{{ trigger.text }}\")");
    const meta = await botRegistry(ctx.env, bot).get(ctx.run.account);
    if (!meta) throw new NodeFailure(`delegate_to_bot: no bot "${bot}" in account "${ctx.run.account}"; deploy it first with \`aerostack deploy\` in its folder`);
    if (meta.definition.mode !== "agent") throw new NodeFailure(`delegate_to_bot: bot "${bot}" is in ${meta.definition.mode} mode; only an agent-mode bot answers a hand-off (delegate to its workflow with delegate_to_workflow)`);
    // One chat per conversation: the trigger's chat when a bot started the run, else the run itself.
    const trigger = (ctx.scope as { trigger?: { platform?: unknown; chat?: unknown } }).trigger;
    const conversation = typeof trigger?.chat === "string" && typeof trigger.platform === "string" ? `${trigger.platform}-${trigger.chat}` : ctx.run.id;
    const chat = `delegate-${ctx.run.workflow}-${conversation}`.slice(0, 200);
    const key = await ctx.idempotencyKey();
    const answer = await ctx.step("ask", async () => {
      const result = await botChat(ctx.env, ctx.run.account, bot, "web", chat).converse({
        bot,
        account: ctx.run.account,
        platform: "web",
        event: { id: `delegate:${key}`, chat, user: `workflow:${ctx.run.workflow}`, text: message, context: {} },
      });
      return { text: result.replies.map((r) => r.text).join("\n"), errors: result.errors, toolCalls: result.toolCalls.map((t) => t.name) };
    });
    if (answer.errors.length) throw new NodeFailure(`delegate_to_bot: bot "${bot}" could not answer: ${answer.errors.join("; ")}`);
    if (!answer.text) throw new NodeFailure(`delegate_to_bot: bot "${bot}" gave no answer (its rate limit for this conversation may have been reached)`);
    const output = { bot, text: answer.text, toolCalls: answer.toolCalls };
    return { output, ...(send && answer.text ? { messages: [answer.text] } : {}) };
  },
};
