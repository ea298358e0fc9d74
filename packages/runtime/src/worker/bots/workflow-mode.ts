/**
 * Workflow mode, the glue between a chat and the workflow engine (the engine is unchanged: a chat is one more sink
 * of a run's messages). A new message starts the bot's workflow with trigger `message_received` (the run id derives
 * from the delivery, so a message handled again after a crash starts no second run); while a run of this chat waits
 * for a reply (auth_gate), the next message is that reply; a human_handoff's question goes to the approvers' chat
 * with Approve / Reject buttons, and the press decides the run. The chat forwards each run message once
 * (its id is recorded as sent).
 */
import { RUN_ID_PATTERN } from "../../shared/workflows";
import { sha256Hex } from "../../shared/sha256";
import { workflowRegistry } from "../workflows/registry/workflow-registry";
import { workflowRun } from "../workflows/engine/workflow-run";
import { botChat, type Turn } from "./chat";
import { botRegistry } from "./registry";
import type { BotPlatform } from "../../shared/bots";
import { SendError, TurnError } from "./types";

const DECISION = /^(approve|reject):(run_[0-9a-f]{24})$/;
const FINISHED = ["succeeded", "failed", "cancelled"];

export async function workflowTurn(turn: Turn): Promise<void> {
  const { env, account, meta } = turn;
  const workflow = meta.definition.workflow;
  if (!workflow) throw new TurnError(`bot "${meta.name}" is in workflow mode but names no workflow; set [bot] workflow in aerostack.toml and deploy`);
  if (turn.row.button) {
    const decision = DECISION.exec(turn.row.text);
    if (!decision || !RUN_ID_PATTERN.test(decision[2]!)) return;
    const [, action, run] = decision as unknown as [string, "approve" | "reject", string];
    turn.log.run = run;
    const origin = await botRegistry(env, meta.name).runChat(run);
    if (!origin) {
      await turn.send({ text: "That button belongs to no request of this bot." });
      return;
    }
    // Only the approvers decide: the [bot.approvals] chat, or (without one) the chat the run asked in.
    const approvers = meta.definition.approvals ?? origin;
    if (approvers.platform !== turn.platform || approvers.chat !== turn.chatId) {
      await turn.send({ text: "Only the approvers' chat can decide this request." });
      return;
    }
    const outcome = await workflowRun(env, run).decide(account, { approve: action === "approve", by: `${turn.platform}:${turn.row.user}` });
    const result = outcome.ok ? `${action === "approve" ? "✔ Approved" : "✖ Rejected"} by ${turn.row.user}` : `Nothing to decide: ${outcome.message}`;
    await turn.acknowledgeButton(result);
    if (turn.platform !== "telegram") await turn.send({ text: result });
    await botChat(env, account, meta.name, origin.platform, origin.chat).poke();
    return;
  }
  // A run of this chat waiting for a reply takes this message as the reply.
  const active = turn.chat.sql.exec<{ run: string }>("SELECT run FROM runs ORDER BY rowid").toArray();
  for (const { run } of active) {
    const info = await workflowRun(env, run).info(account);
    if (info?.waiting.some((w) => w.kind === "reply")) {
      turn.log.run = run;
      await workflowRun(env, run).reply(account, turn.row.text);
      turn.chat.sql.exec("UPDATE runs SET status = 'running' WHERE run = ?", run);
      return;
    }
    if (info?.waiting.some((w) => w.kind === "approval")) {
      turn.log.run = run;
      await turn.send({ text: "Your request is waiting for approval; you will hear back here." });
      return;
    }
  }
  const runId = `run_${(await sha256Hex(`bot/${account}/${meta.name}/${turn.platform}/${turn.chatId}/${turn.row.id}`)).slice(0, 24)}`;
  await botRegistry(env, meta.name).recordRun(runId, { platform: turn.platform, chat: turn.chatId });
  turn.chat.sql.exec("INSERT OR IGNORE INTO runs (run, workflow, status) VALUES (?, ?, 'running')", runId, workflow);
  const started = await workflowRegistry(env, workflow).startRun({
    account,
    trigger: "message_received",
    payload: { text: turn.row.text, user: turn.row.user, chat: turn.chatId, platform: turn.platform, bot: meta.name },
    runId,
  });
  if (!started.ok) {
    turn.chat.sql.exec("DELETE FROM runs WHERE run = ?", runId);
    // A missing workflow stays missing for the seconds retries would take: the user hears at once.
    throw new TurnError(`bot "${meta.name}" runs workflow "${workflow}", which is not deployed in account "${account}"; deploy it with \`aerostack deploy\` in its folder`);
  }
  turn.log.run = runId;
}

/**
 * Forwards new messages of this chat's runs: a human_handoff's question to the approvers (with buttons), the rest to
 * this chat. Returns whether a run is still running (look again soon), only waiting, or none is left.
 */
export async function pullRuns(turn: Turn): Promise<"running" | "waiting" | "idle"> {
  const { env, account, meta } = turn;
  const rows = turn.chat.sql.exec<{ run: string; workflow: string; sent_max: number }>("SELECT run, workflow, sent_max FROM runs").toArray();
  let state: "running" | "waiting" | "idle" = "idle";
  const types = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const trace = await workflowRun(env, row.run).trace(account, Number.MAX_SAFE_INTEGER);
    if (!trace) {
      // The run is started before its row is looked at, so no trace means it is not this account's: forget it.
      turn.chat.sql.exec("DELETE FROM runs WHERE run = ?", row.run);
      continue;
    }
    const fresh = trace.messages.filter((m) => m.id > row.sent_max);
    if (fresh.length && !types.has(row.workflow)) {
      const definition = (await workflowRegistry(env, row.workflow).get(account))?.definition;
      types.set(row.workflow, new Map((definition?.nodes ?? []).map((n) => [n.id, n.type])));
    }
    for (const message of fresh) {
      const handoff = message.node !== null && types.get(row.workflow)?.get(message.node) === "human_handoff";
      const key = `${row.run}/m${message.id}`;
      try {
        if (handoff) {
          const buttons = [{ label: "Approve", data: `approve:${row.run}` }, { label: "Reject", data: `reject:${row.run}` }];
          const target = meta.definition.approvals;
          if (target && (target.platform !== turn.platform || target.chat !== turn.chatId)) {
            await botChat(env, account, meta.name, target.platform, target.chat).sendOut({ bot: meta.name, account, platform: target.platform as BotPlatform, chat: target.chat, key, message: { text: message.text, buttons } });
          } else await turn.chat.deliver(meta, key, { text: message.text, buttons });
        } else await turn.chat.deliver(meta, key, { text: message.text });
      } catch (err) {
        // A send the platform will never take (WhatsApp's 24-hour window closed): logged, and the run's next
        // message is looked at; trying again would only fail again. Anything else is tried again on the next pull.
        if (!(err instanceof SendError) || err.retryable) throw err;
        await botRegistry(env, meta.name).log({ ...turn.log, ts: Date.now(), kind: "error", run: row.run, reply: message.text.slice(0, 500), error: err.message.slice(0, 1000) });
      }
      turn.chat.sql.exec("UPDATE runs SET sent_max = ? WHERE run = ?", message.id, row.run);
    }
    const status = trace.run.status;
    if (FINISHED.includes(status)) turn.chat.sql.exec("DELETE FROM runs WHERE run = ?", row.run);
    else {
      turn.chat.sql.exec("UPDATE runs SET status = ? WHERE run = ?", status, row.run);
      if (status === "running") state = "running";
      else if (state === "idle") state = "waiting";
    }
  }
  return state;
}
