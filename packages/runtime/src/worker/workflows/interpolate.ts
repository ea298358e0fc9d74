/**
 * Resolves `{{ path }}` templates in a node's config against the run's data: the trigger payload, recorded node
 * outputs, variables, run facts, the caught error and (only for the node using them) secrets. A path is looked up
 * key by key (shared/workflows-paths.ts); nothing is evaluated. A string that is a single template keeps the value's
 * type; a template inside text is replaced by the value's text (JSON for objects, empty for missing values).
 */
import { parsePath, TEMPLATE_PATTERN, WHOLE_TEMPLATE_PATTERN, type ParsedPath } from "../../shared/workflows-paths";

export interface Scope {
  trigger: unknown;
  nodes: Record<string, { output: unknown }>;
  vars: Record<string, unknown>;
  run: { id: string; workflow: string; version: number };
  error: unknown;
  secrets: Record<string, string>;
}

/** Secret values are never written to a trace: the trace's copy of a config shows this instead. */
export const secretPlaceholder = (name: string) => `[secret ${name}]`;

function lookup(path: ParsedPath, scope: Scope, maskSecrets: boolean): unknown {
  if (path.root === "secrets") {
    const name = String(path.segments[0]);
    return maskSecrets ? secretPlaceholder(name) : scope.secrets[name];
  }
  let value: unknown = scope[path.root];
  for (const key of path.segments) {
    if (value === null || value === undefined) return undefined;
    // Own properties only: a path can never reach a prototype (`constructor`, `__proto__`).
    if (typeof value !== "object" || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function resolveString(text: string, scope: Scope, maskSecrets: boolean): unknown {
  const whole = WHOLE_TEMPLATE_PATTERN.exec(text);
  if (whole) {
    const parsed = parsePath(whole[1] ?? "");
    return parsed.ok ? (lookup(parsed.path, scope, maskSecrets) ?? null) : text;
  }
  return text.replace(TEMPLATE_PATTERN, (match, inner: string) => {
    const parsed = parsePath(inner);
    return parsed.ok ? asText(lookup(parsed.path, scope, maskSecrets)) : match;
  });
}

/** A copy of `value` with every template resolved. `maskSecrets` gives the copy a trace may keep. */
export function interpolate(value: unknown, scope: Scope, maskSecrets = false): unknown {
  if (typeof value === "string") return resolveString(value, scope, maskSecrets);
  if (Array.isArray(value)) return value.map((v) => interpolate(v, scope, maskSecrets));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, scope, maskSecrets)]));
  }
  return value;
}

/** Replaces each secret's value in a text (an error message, an upstream's answer) before it is recorded. */
export function redactSecrets(text: string, secrets: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(secrets)) if (value.length >= 4) out = out.split(value).join(secretPlaceholder(name));
  return out;
}
