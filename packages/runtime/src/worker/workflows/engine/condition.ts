/** A logic, loop or guardrail condition on already-resolved values: plain comparisons, no code. */
import type { Condition } from "../../../shared/workflows";

const num = (v: unknown) => (typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b) || (a !== null && b !== null && typeof a !== "object" && String(a) === String(b));

const OPS: Record<Condition["op"], (left: unknown, right: unknown) => boolean> = {
  eq: same,
  ne: (a, b) => !same(a, b),
  gt: (a, b) => num(a) > num(b),
  gte: (a, b) => num(a) >= num(b),
  lt: (a, b) => num(a) < num(b),
  lte: (a, b) => num(a) <= num(b),
  contains: (a, b) => (Array.isArray(a) ? a.some((x) => same(x, b)) : typeof a === "string" && a.includes(String(b))),
  exists: (a) => a !== null && a !== undefined,
  truthy: (a) => Boolean(a) && !(Array.isArray(a) && a.length === 0),
  // The pattern is matched as data (a RegExp), never run as code; a bad pattern is simply no match.
  matches: (a, b) => {
    try {
      return typeof a === "string" && String(b).length <= 200 && new RegExp(String(b)).test(a);
    } catch {
      return false;
    }
  },
};

export function testCondition(condition: Condition): boolean {
  return OPS[condition.op](condition.left, condition.right);
}
