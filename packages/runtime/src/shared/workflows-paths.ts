/**
 * Interpolation paths: `{{ trigger.body.email }}`, `{{ nodes.lookup.output.total }}`, `{{ vars.x }}`. A path is data
 * (a root and a list of keys and indexes), parsed here and looked up by worker/workflows/interpolate.ts; it is never
 * evaluated as code. Shared so the CLI and the platform refuse the same bad paths before a deploy.
 */

/** Where a path may start: the run's trigger payload, a node's recorded output, the run's variables, run facts, the caught error, a secret. */
export const PATH_ROOTS = ["trigger", "nodes", "vars", "run", "error", "secrets"] as const;
export type PathRoot = (typeof PATH_ROOTS)[number];

export interface ParsedPath {
  root: PathRoot;
  /** Keys (strings) and list indexes (numbers) after the root. */
  segments: (string | number)[];
}

/** `{{ … }}` anywhere in a string; the inside is a path, with optional spaces around it. */
export const TEMPLATE_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** A string that is one template and nothing else keeps the value's type (a number stays a number). */
export const WHOLE_TEMPLATE_PATTERN = /^\{\{\s*([^{}]*?)\s*\}\}$/;

const SEGMENT = /^(?:\.([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d{1,9})\])/;

/** The path inside a template, or why it is not one. */
export function parsePath(text: string): { ok: true; path: ParsedPath } | { ok: false; reason: string } {
  const rootMatch = /^([A-Za-z_]+)/.exec(text);
  const root = rootMatch?.[1] ?? "";
  if (!(PATH_ROOTS as readonly string[]).includes(root)) {
    return { ok: false, reason: `"{{ ${text} }}" must start with ${PATH_ROOTS.join(", ")} (a data path such as nodes.lookup.output.total, never code)` };
  }
  const segments: (string | number)[] = [];
  let rest = text.slice(root.length);
  while (rest.length > 0) {
    const m = SEGMENT.exec(rest);
    if (!m) return { ok: false, reason: `"{{ ${text} }}" is not a data path: after "${text.slice(0, text.length - rest.length)}" expected .key or [index]` };
    segments.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  if (root === "nodes" && (typeof segments[0] !== "string" || segments[1] !== "output")) {
    return { ok: false, reason: `"{{ ${text} }}": a node's value is read as nodes.<id>.output…` };
  }
  if (root === "secrets" && (segments.length !== 1 || typeof segments[0] !== "string")) {
    return { ok: false, reason: `"{{ ${text} }}": a secret is read as secrets.NAME` };
  }
  return { ok: true, path: { root: root as PathRoot, segments } };
}

/** Every template path in a JSON value (strings inside arrays and objects included), with the key path it sits at. */
export function templatesIn(value: unknown, at = ""): { at: string; text: string }[] {
  if (typeof value === "string") return [...value.matchAll(TEMPLATE_PATTERN)].map((m) => ({ at, text: m[1] ?? "" }));
  if (Array.isArray(value)) return value.flatMap((v, i) => templatesIn(v, `${at}[${i}]`));
  if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => templatesIn(v, at ? `${at}.${k}` : k));
  return [];
}
