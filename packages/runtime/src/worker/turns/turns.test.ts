// Turns: one run holds the turn at a time, runs take it in order, a slice waits for foreground requests (woken as
// the last one ends, or after the bound), and slices shrink while others wait or a request came lately. A manual clock drives the waits.
import { describe, expect, it } from "vitest";
import { Turns } from "./turns";
import { manualClock } from "./fixtures/manual-clock";

const options = { soloRounds: 4, sharedRounds: 1, maxForegroundWaitMs: 50, foregroundQuietMs: 200 };

describe("Turns", () => {
  it("gives the turn to one run at a time, in the order they asked, each after a timer", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    const order: string[] = [];
    const a = turns.take().then(() => order.push("a"));
    const b = turns.take().then(() => order.push("b"));
    const c = turns.take().then(() => order.push("c"));
    // Nothing runs before a timer has fired: the event loop polls sockets first.
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    await advance(0);
    expect(order).toEqual(["a"]);
    expect(turns.sliceRounds()).toBe(1); // b and c wait: short slices
    turns.release();
    await advance(0);
    expect(order).toEqual(["a", "b"]);
    turns.release();
    await advance(0);
    expect(order).toEqual(["a", "b", "c"]);
    expect(turns.sliceRounds()).toBe(4); // alone again
    turns.release();
    await Promise.all([a, b, c]);
    // Free again: the next take gets it after one timer.
    let d = false;
    void turns.take().then(() => (d = true));
    await advance(0);
    expect(d).toBe(true);
  });

  it("holds a slice back while a foreground request is in flight and starts it as the request ends", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    let finishRequest!: () => void;
    const request = turns.foreground(() => new Promise<void>((resolve) => (finishRequest = resolve)));
    expect(turns.foregroundInFlight).toBe(1);
    let took = false;
    void turns.take().then(() => (took = true));
    await advance(10);
    expect(took).toBe(false);
    finishRequest();
    await request;
    expect(turns.foregroundInFlight).toBe(0);
    await advance(0);
    expect(took).toBe(true);
    // Slices stay short a while after a foreground request (more may follow), then grow again.
    expect(turns.sliceRounds()).toBe(1);
    await advance(200);
    expect(turns.sliceRounds()).toBe(4);
  });

  it("starts the held-back slice between two requests even when the next one has already come", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    let finishFirst!: () => void;
    const first = turns.foreground(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    let took = false;
    void turns.take().then(() => (took = true));
    await advance(5);
    finishFirst();
    await first;
    // A busy client's next request is in before the slice's timer fires: the slice still goes first.
    void turns.foreground(() => new Promise<void>(() => {}));
    await advance(0);
    expect(took).toBe(true);
  });

  it("never holds a slice back longer than the bound, however busy the foreground", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    void turns.foreground(() => new Promise<void>(() => {}));
    let took = false;
    void turns.take().then(() => (took = true));
    await advance(49);
    expect(took).toBe(false);
    await advance(2);
    expect(took).toBe(true);
  });

  it("keeps no wake-up of a slice the bound released, under traffic that never pauses", async () => {
    const { clock, advance } = manualClock();
    const turns = new Turns(clock, options);
    void turns.foreground(() => new Promise<void>(() => {}));
    for (let slice = 0; slice < 20; slice++) {
      let took = false;
      void turns.take().then(() => (took = true));
      await advance(51);
      expect(took).toBe(true);
      turns.release();
    }
    expect(turns.heldBack).toBe(0);
  });

  it("counts a foreground request that throws as ended", async () => {
    const turns = new Turns(manualClock().clock, options);
    await expect(turns.foreground(() => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(turns.foregroundInFlight).toBe(0);
  });
});
