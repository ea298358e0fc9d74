/**
 * Acks first: a chat's work after a webhook's acknowledgement waits until the webhooks in flight are answered.
 *
 * Why: locally the router and every BotChat share workerd's one thread. In a burst (100 chats at once) the first
 * chats' alarms used to run their agent loops (the model, the gateway's tool call, the reply) while the burst's
 * later webhooks waited for the thread, so those acks waited behind the chats' work (bench/README.md, `bots`). The
 * router counts bot webhooks as foreground requests of the isolate's scheduler (worker/turns/turns.ts), and a
 * chat's alarm takes a turn there before it works: the turn comes once no foreground request is in flight, or after
 * the scheduler's bound, so a chat's work is never held back for long. On Cloudflare each object has its own isolate
 * and the foreground count there stays 0: the turn comes after one timer.
 */
import { turns as isolateTurns, type Turns } from "../turns/turns";

/** Resolves when this chat's work may start; it does not hold the turn (the work itself waits on real I/O). */
export async function chatWorkTurn(turns: Turns = isolateTurns): Promise<void> {
  await turns.take();
  turns.release();
}
