/** Five-field cron (minute hour day-of-month month day-of-week, UTC): `*`, `*\/n`, `a-b`, `a-b/n` and lists. */

const FIELDS = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12 },
  { min: 0, max: 6 },
] as const;

function field(text: string, { min, max }: { min: number; max: number }): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(",")) {
    const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (!m) throw new Error(`cron: "${part}" is not a cron field`);
    const from = m[1] === "*" ? min : Number(m[2]);
    const to = m[1] === "*" ? max : m[3] !== undefined ? Number(m[3]) : m[4] !== undefined ? max : from;
    const step = m[4] !== undefined ? Number(m[4]) : 1;
    if (from < min || to > max || from > to || step < 1) throw new Error(`cron: "${part}" is out of range ${min}-${max}`);
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

/** The first minute strictly after `after` (epoch ms) that the expression names. */
export function nextCronTime(expression: string, after: number): number {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron: "${expression}" needs 5 fields`);
  const [minutes, hours, days, months, weekdays] = parts.map((p, i) => field(p, FIELDS[i]!));
  const t = new Date(Math.floor(after / 60_000) * 60_000 + 60_000);
  // At most a year and a day of minutes, skipping whole days and hours that cannot match.
  for (let guard = 0; guard < 366 * 24 * 60; guard++) {
    if (!months!.has(t.getUTCMonth() + 1) || !days!.has(t.getUTCDate()) || !weekdays!.has(t.getUTCDay())) {
      t.setUTCHours(24, 0, 0, 0);
      continue;
    }
    if (!hours!.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (minutes!.has(t.getUTCMinutes())) return t.getTime();
    t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
  }
  throw new Error(`cron: "${expression}" never matches`);
}
