/**
 * Generated entry modules for projects whose default export the platform writes: a skill (SKILL.md plus an optional
 * function) and a function that exports `tools`. An esbuild plugin serves the generated module and loads SKILL.md as
 * the parsed skill (JSON), so SKILL.md is a watched input like any source file and its errors are build errors with
 * the file and line, which `aerostack dev` shows and `aerostack deploy` stops on before anything is uploaded.
 */
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import type { Plugin } from "esbuild";
import { SKILL_FILE } from "../../shared/skills";
import { parseSkillFile, SkillFileError } from "../skills/skill-file";

export const GENERATED_ENTRY = "aerostack:entry";
const NAMESPACE = "aerostack-entry";

export type GeneratedEntry = { kind: "skill"; main: string | null } | { kind: "tools"; main: string };

/** The generated module's text: imports resolve from the project root. */
function entrySource(root: string, entry: GeneratedEntry): string {
  if (entry.kind === "skill") {
    return [
      `import skill from ${JSON.stringify(join(root, SKILL_FILE))};`,
      entry.main ? `import * as user from ${JSON.stringify(entry.main)};` : "const user = {};",
      `import { serveSkill } from "@aerostack/runtime/mcp";`,
      "export default serveSkill(skill, user);",
    ].join("\n");
  }
  return [
    `import * as user from ${JSON.stringify(entry.main)};`,
    `import { serveTools } from "@aerostack/runtime/mcp";`,
    "export default serveTools(user);",
    // Named exports stay reachable (tests import them from the bundle's source, not from here).
  ].join("\n");
}

/** The plugin: the generated entry, and SKILL.md read, parsed and checked into JSON. */
export function entryPlugin(root: string, entry: GeneratedEntry): Plugin {
  return {
    name: "aerostack-entry",
    setup(build) {
      build.onResolve({ filter: /^aerostack:entry$/ }, () => ({ path: GENERATED_ENTRY, namespace: NAMESPACE }));
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, () => ({ contents: entrySource(root, entry), loader: "js", resolveDir: root }));
      build.onLoad({ filter: /[\\/]SKILL\.md$/ }, async (args) => {
        const file = relative(root, args.path) || SKILL_FILE;
        const text = await readFile(args.path, "utf8");
        try {
          return { contents: JSON.stringify(await parseSkillFile(text, file)), loader: "json" };
        } catch (err) {
          if (!(err instanceof SkillFileError)) throw err;
          return {
            errors: err.issues.map((issue, i) => ({
              text: `${file}: ${issue}`,
              ...(i === 0 && err.line !== undefined ? { location: { file, line: err.line, column: 0, lineText: text.split(/\r?\n/)[err.line - 1] ?? "" } } : {}),
            })),
          };
        }
      });
    },
  };
}

/** A skill's function is optional: its `main` file when it exists. */
export function skillEntry(root: string, main: string): GeneratedEntry {
  const path = resolve(root, main);
  return { kind: "skill", main: existsSync(path) ? path : null };
}
