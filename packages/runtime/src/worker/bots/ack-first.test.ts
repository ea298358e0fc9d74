// Acks first: with bot webhooks in flight as foreground requests, a chat's work starts only once the last of them
// is answered, or after the scheduler's bound; a manual clock drives the waits (no timings asserted).
import { describe, expect, it } from "vitest";
import { Turns } from "../turns/turns";
import { manualClock } from "../turns/fixtures/manual-clock";
import { chatWorkTurn } from "./ack-first";

const options = { soloRounds: 4, sharedRounds: 1, maxForegroundWaitMs: 50, foregroundQuietMs: 200 };

/** A webhook being acknowledged, counted as the router counts it; `answer()` ends it. */
function webhook(turns: Turns) {
  let answer!: () => void;
  const done = turns.foreground(() => new Promise<void>((resolve) => (answer = resolve)));
  return { answer: () => answer(), done };
}

describe("acks first", () => {
  it("starts no chat's work while a burst's webhooks are in flight, and all of it once the last is answered", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    const burst = [webhook(turns), webhook(turns), webhook(turns)];
    const started: string[] = [];
    // Two chats whose deliveries were already acknowledged: their alarms ask to work.
    const chats = ["a", "b"].map((chat) => chatWorkTurn(turns).then(() => started.push(chat)));
    await advance(10);
    expect(started).toEqual([]);
    burst[0]!.answer();
    burst[1]!.answer();
    await advance(1);
    expect(started).toEqual([]);
    burst[2]!.answer();
    await advance(1);
    await Promise.all(chats);
    expect(started).toEqual(["a", "b"]);
    await Promise.all(burst.map((w) => w.done));
  });

  it("holds a chat's work back no longer than the scheduler's bound, and keeps no turn while the work runs", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    const stuck = webhook(turns);
    let started = false;
    const chat = chatWorkTurn(turns).then(() => (started = true));
    await advance(options.maxForegroundWaitMs - 1);
    expect(started).toBe(false);
    await advance(1);
    await chat;
    expect(started).toBe(true);
    // The turn is free again: the next chat (or workflow run) is not queued behind the first one's work.
    let next = false;
    void chatWorkTurn(turns).then(() => (next = true));
    await advance(options.maxForegroundWaitMs);
    expect(next).toBe(true);
    stuck.answer();
    await stuck.done;
  });
});
