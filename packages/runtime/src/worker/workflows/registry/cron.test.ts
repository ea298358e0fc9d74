// The cron trigger's schedule: five UTC fields, steps, ranges and lists; the next time is strictly after the given one.
import { describe, expect, it } from "vitest";
import { nextCronTime } from "./cron";

const at = (iso: string) => Date.parse(iso);
const next = (expr: string, from: string) => new Date(nextCronTime(expr, at(from))).toISOString();

describe("nextCronTime", () => {
  it("finds the next matching minute", () => {
    expect(next("*/5 * * * *", "2026-01-01T10:02:30Z")).toBe("2026-01-01T10:05:00.000Z");
    expect(next("0 9 * * 1-5", "2026-01-02T09:00:00Z")).toBe("2026-01-05T09:00:00.000Z"); // Friday 9:00 → Monday
    expect(next("30 8,17 1 * *", "2026-01-01T09:00:00Z")).toBe("2026-01-01T17:30:00.000Z");
  });

  it("refuses what is not a cron expression", () => {
    expect(() => nextCronTime("61 * * * *", 0)).toThrow(/out of range/);
    expect(() => nextCronTime("* * *", 0)).toThrow(/5 fields/);
    expect(() => nextCronTime("0 0 31 2 *", 0)).toThrow(/never matches/);
  });
});
