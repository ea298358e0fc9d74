/** Plain-text tables for human output: one header row, a rule, aligned columns. */

/** Renders `rows` under the union of their keys; objects are shown as JSON, null as NULL. */
export function table(rows: Record<string, unknown>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => (v === null ? "NULL" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const widths = columns.map((col) => Math.max(col.length, ...rows.map((r) => cell(r[col]).length)));
  const line = (values: string[]) => values.map((v, i) => v.padEnd(widths[i]!)).join(" │ ").trimEnd();
  return [line(columns), widths.map((w) => "─".repeat(w)).join("─┼─"), ...rows.map((r) => line(columns.map((c) => cell(r[c]))))].join("\n");
}
