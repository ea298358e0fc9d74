/**
 * Reads SKILL.md: YAML front matter between `---` lines (parsed with the `yaml` package, never by hand: quoting,
 * block scalars and nested maps all follow YAML 1.2), checked with SkillFrontMatterSchema; the body is the prompt.
 * Every error names the file, the line where it can, and the key path.
 */
import type * as Yaml from "yaml";
import { SkillFrontMatterSchema, skillDefinition, type SkillDefinition } from "../../shared/skills";

export class SkillFileError extends Error {
  override readonly name = "SkillFileError";
  constructor(
    readonly file: string,
    readonly issues: readonly string[],
    /** 1-based line of the first issue, when known. */
    readonly line?: number,
  ) {
    super(`Invalid ${file}:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
  }
}

type YamlModule = typeof Yaml;

const FENCE = /^---[ \t]*$/;

/**
 * Parses SKILL.md text; `file` names it in errors. Throws SkillFileError. The YAML parser is loaded on first use:
 * only skill projects need it, and every CLI start would otherwise pay for loading it.
 */
export async function parseSkillFile(text: string, file: string): Promise<SkillDefinition> {
  // Bundled for Node, yaml is its CommonJS build: a dynamic import then holds its exports on `default`.
  const loaded = (await import("yaml")) as YamlModule & { default?: YamlModule };
  const { LineCounter, parseDocument } = loaded.default ?? loaded;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (!FENCE.test(lines[0] ?? "")) {
    throw new SkillFileError(file, ["line 1: expected front matter starting with a --- line (name, description, input_schema, …), then the prompt"], 1);
  }
  const end = lines.findIndex((line, i) => i > 0 && FENCE.test(line));
  if (end < 0) throw new SkillFileError(file, ["the front matter has no closing --- line"], 1);
  const yamlText = lines.slice(1, end).join("\n");
  const prompt = lines.slice(end + 1).join("\n").trim();

  const counter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e) => {
      const pos = e.pos?.[0] !== undefined ? counter.linePos(e.pos[0]) : undefined;
      return `${pos ? `line ${pos.line + 1}, column ${pos.col}: ` : ""}${e.message.split("\n")[0]}`;
    });
    const first = doc.errors[0]?.pos?.[0];
    throw new SkillFileError(file, issues, first !== undefined ? counter.linePos(first).line + 1 : undefined);
  }
  const data: unknown = doc.toJS();
  const parsed = SkillFrontMatterSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String).join(".");
      return `${path || "front matter"}: ${issue.message}`;
    });
    // The line of the first bad key, from the YAML document's own node positions.
    const firstPath = parsed.error.issues[0]?.path ?? [];
    let line: number | undefined;
    for (let depth = firstPath.length; depth > 0 && line === undefined; depth--) {
      const node = doc.getIn(firstPath.slice(0, depth) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) line = counter.linePos(node.range[0]).line + 1;
    }
    throw new SkillFileError(file, issues, line);
  }
  if (prompt === "" && parsed.data) {
    // A skill without a function needs a prompt; one with a function may leave it empty (the function decides).
    return skillDefinition(parsed.data, "");
  }
  return skillDefinition(parsed.data, prompt);
}
