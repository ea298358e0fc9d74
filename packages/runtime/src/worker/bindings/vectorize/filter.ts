/**
 * Vectorize metadata filters, validated once per query and compiled to a predicate. Plain TypeScript with no
 * workerd APIs, so unit tests run it in Node.
 *
 * Semantics (Cloudflare's documented rules, with the undocumented corners decided as MongoDB does):
 * - `{ field: value }` is `{ field: { $eq: value } }`; several fields are ANDed; `"a.b"` reaches nested metadata.
 * - `$eq` / `$ne` compare strings, numbers and booleans by value and type (`1` never equals `"1"`); `$eq: null`
 *   matches a missing (or null) field. `$ne` and `$nin` are the negations of `$eq` and `$in`, so a vector without
 *   the field matches `{ field: { $ne: "x" } }`.
 * - `$lt` `$lte` `$gt` `$gte` take a number or a string and match only fields of that type (strings compare
 *   lexicographically). One upper bound may be combined with one lower bound; no other combinations.
 * - Filters are at most 2048 bytes of compact JSON; keys are non-empty, at most 512 characters, no `"`, no leading `$`.
 */
import { VECTORIZE_LIMITS } from "../../../shared/wire/vectorize";

export type Metadata = Record<string, unknown> | null;
export type MetadataPredicate = (metadata: Metadata) => boolean;

type Scalar = string | number | boolean | null;
type Operator = "$eq" | "$ne" | "$in" | "$nin" | "$lt" | "$lte" | "$gt" | "$gte";
const OPERATORS: readonly Operator[] = ["$eq", "$ne", "$in", "$nin", "$lt", "$lte", "$gt", "$gte"];
const RANGE: readonly Operator[] = ["$lt", "$lte", "$gt", "$gte"];
const MAX_KEY_LENGTH = 512;

const encoder = new TextEncoder();

function show(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  try {
    const json = JSON.stringify(value);
    if (json !== undefined) return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    // fall through
  }
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function fieldPath(where: string, key: string): string[] {
  const bad = (why: string) => new TypeError(`${where}: filter key ${JSON.stringify(key)} ${why}`);
  if (key === "") throw bad("is empty");
  if (key.length > MAX_KEY_LENGTH) throw bad(`is ${key.length} characters long; keys are at most ${MAX_KEY_LENGTH}`);
  if (key.startsWith("$")) throw bad(`starts with "$": operators go inside a field, as in { "field": { ${key}: … } }`);
  if (key.includes('"')) throw bad('contains a double quote (")');
  const path = key.split(".");
  if (path.some((part) => part === "")) throw bad('has an empty segment: use dots only between nested keys, as in "author.id"');
  return path;
}

function resolve(metadata: Metadata, path: readonly string[]): unknown {
  let current: unknown = metadata;
  for (const part of path) {
    if (current === null || typeof current !== "object" || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function equals(value: unknown, expected: Scalar): boolean {
  return expected === null ? value === undefined || value === null : value === expected;
}

/** One field's condition as a test on its (possibly undefined) value. */
function compileField(where: string, key: string, spec: unknown): (value: unknown) => boolean {
  const field = JSON.stringify(key);
  if (isScalar(spec)) return (value) => equals(value, spec);
  if (typeof spec === "number") throw new TypeError(`${where}: filter ${field} compares with ${show(spec)}; numbers must be finite`);
  if (Array.isArray(spec)) {
    throw new TypeError(`${where}: filter ${field} is an array; to match any of several values use { ${field}: { "$in": ${show(spec)} } }`);
  }
  if (!isPlainObject(spec)) {
    throw new TypeError(`${where}: filter ${field} must be a string, number, boolean, null or an operator object, got ${show(spec)}`);
  }
  const ops = Object.keys(spec);
  if (ops.length === 0) throw new TypeError(`${where}: filter ${field} has an empty operator object; use one of ${OPERATORS.join(" ")}`);
  for (const op of ops) {
    if (!(OPERATORS as readonly string[]).includes(op)) {
      const hint = op.startsWith("$")
        ? `supported operators are ${OPERATORS.join(" ")}`
        : `to filter on nested metadata use a dotted key, as in ${JSON.stringify(`${key}.${op}`)}`;
      throw new TypeError(`${where}: filter ${field} uses unknown operator ${JSON.stringify(op)}; ${hint}`);
    }
  }
  const range = ops.filter((op) => (RANGE as readonly string[]).includes(op)) as Operator[];
  if (range.length !== ops.length && ops.length > 1) {
    throw new TypeError(`${where}: filter ${field} combines ${ops.join(" and ")}; only a lower bound ($gt/$gte) and an upper bound ($lt/$lte) may be combined`);
  }
  if (range.length > 0) {
    const lower = range.filter((op) => op === "$gt" || op === "$gte");
    const upper = range.filter((op) => op === "$lt" || op === "$lte");
    if (lower.length > 1 || upper.length > 1) {
      throw new TypeError(`${where}: filter ${field} combines ${range.join(" and ")}; give at most one lower bound ($gt/$gte) and one upper bound ($lt/$lte)`);
    }
    const tests = range.map((op) => {
      const bound = spec[op];
      if (!(typeof bound === "string" || (typeof bound === "number" && Number.isFinite(bound)))) {
        throw new TypeError(`${where}: filter ${field} ${op} needs a finite number or a string, got ${show(bound)}`);
      }
      const type = typeof bound;
      switch (op) {
        case "$lt":
          return (v: unknown) => typeof v === type && (v as string | number) < bound;
        case "$lte":
          return (v: unknown) => typeof v === type && (v as string | number) <= bound;
        case "$gt":
          return (v: unknown) => typeof v === type && (v as string | number) > bound;
        default:
          return (v: unknown) => typeof v === type && (v as string | number) >= bound;
      }
    });
    if (tests.length === 2 && typeof spec[range[0]!] !== typeof spec[range[1]!]) {
      throw new TypeError(`${where}: filter ${field} bounds ${range.join(" and ")} mix a number and a string`);
    }
    const [a, b] = tests;
    return b === undefined ? a! : (v) => a!(v) && b(v);
  }
  const op = ops[0] as Operator;
  const operand = spec[op];
  if (op === "$eq" || op === "$ne") {
    if (!isScalar(operand)) throw new TypeError(`${where}: filter ${field} ${op} needs a string, finite number, boolean or null, got ${show(operand)}`);
    return op === "$eq" ? (v) => equals(v, operand) : (v) => !equals(v, operand);
  }
  if (!Array.isArray(operand)) throw new TypeError(`${where}: filter ${field} ${op} needs an array of values, got ${show(operand)}`);
  operand.forEach((item, i) => {
    if (!isScalar(item)) throw new TypeError(`${where}: filter ${field} ${op}[${i}] must be a string, finite number, boolean or null, got ${show(item)}`);
  });
  const values = operand as Scalar[];
  const anyEqual = (v: unknown) => values.some((x) => equals(v, x));
  return op === "$in" ? anyEqual : (v) => !anyEqual(v);
}

/** The predicate for `filter`, or null when there is none. Throws a TypeError or RangeError naming what is wrong. */
export function compileFilter(where: string, filter: unknown): MetadataPredicate | null {
  if (filter === undefined || filter === null) return null;
  if (!isPlainObject(filter)) throw new TypeError(`${where}: filter must be an object such as { "genre": "docs" }, got ${show(filter)}`);
  let json: string;
  try {
    json = JSON.stringify(filter);
  } catch (err) {
    throw new TypeError(`${where}: filter is not JSON-serialisable (${err instanceof Error ? err.message : String(err)})`);
  }
  const bytes = encoder.encode(json).byteLength;
  if (bytes > VECTORIZE_LIMITS.maxFilterBytes) {
    throw new RangeError(`${where}: filter is ${bytes} bytes of compact JSON; filters are at most ${VECTORIZE_LIMITS.maxFilterBytes} bytes`);
  }
  const keys = Object.keys(filter);
  if (keys.length === 0) throw new TypeError(`${where}: filter is an empty object; name at least one field, or leave filter out`);
  const conditions = keys.map((key) => ({ path: fieldPath(where, key), test: compileField(where, key, filter[key]) }));
  if (conditions.length === 1) {
    const [{ path, test }] = conditions as [(typeof conditions)[number]];
    return (metadata) => test(resolve(metadata, path));
  }
  return (metadata) => conditions.every(({ path, test }) => test(resolve(metadata, path)));
}

/**
 * Checks stored metadata: a JSON object whose keys (at every depth) are non-empty, contain no `.` (reserved for
 * nesting in filters) or `"`, and do not start with `$`. Returns the parsed object.
 */
export function parseMetadata(where: string, what: string, text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new TypeError(`${where}: ${what} metadata is not valid JSON`);
  }
  if (!isPlainObject(value)) throw new TypeError(`${where}: ${what} metadata must be a JSON object, got ${show(value)}`);
  const check = (node: unknown, prefix: string): void => {
    if (Array.isArray(node)) {
      node.forEach((item, i) => check(item, `${prefix}[${i}]`));
      return;
    }
    if (node === null || typeof node !== "object") return;
    for (const [key, child] of Object.entries(node)) {
      const at = prefix === "" ? JSON.stringify(key) : `${prefix}.${key}`;
      if (key === "" || key.includes(".") || key.includes('"') || key.startsWith("$")) {
        throw new TypeError(
          `${where}: ${what} metadata key ${at} is not allowed: keys must be non-empty, contain no "." or '"', and not start with "$" (dots address nested keys in filters)`,
        );
      }
      check(child, at);
    }
  };
  check(value, "");
  return value;
}
