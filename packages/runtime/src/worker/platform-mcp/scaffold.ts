/**
 * `scaffold`: a template's files with the project's name filled in, as `aerostack init` writes them
 * (host/scaffold/scaffold.ts), from the templates the build embeds in the platform worker (scripts/build.mjs).
 */
import templates from "aerostack:templates";
import { HttpError } from "../http/http-error";

export interface Scaffolded {
  template: string;
  name: string;
  /** aerostack.toml, as written (also among `files`). */
  config: string;
  files: { path: string; content: string }[];
}

export function templateNames(): { name: string; description: string }[] {
  return Object.keys(templates)
    .sort()
    .map((name) => ({ name, description: (JSON.parse(templates[name]!["package.json"] ?? "{}") as { description?: string }).description ?? "" }));
}

export function scaffold(template: string, name: string, runtimeVersion: string): Scaffolded {
  const source = templates[template];
  if (!source) throw new HttpError("not_found", `no template "${template}"; templates: ${Object.keys(templates).sort().join(", ")}`);
  const files = Object.entries(source)
    .map(([path, text]) => {
      // npm drops .gitignore from packages, so templates ship _gitignore (as `aerostack init` renames it).
      const out = path === "_gitignore" || path.endsWith("/_gitignore") ? path.replace(/_gitignore$/, ".gitignore") : path;
      let content = text.replaceAll("{{name}}", name);
      if (path === "aerostack.toml") content = content.replace(/^name\s*=\s*"[^"]*".*$/m, `name = "${name}"`);
      if (path === "package.json") content = packageJson(content, name, runtimeVersion);
      return { path: out, content };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
  return { template, name, config: files.find((f) => f.path === "aerostack.toml")?.content ?? "", files };
}

/** The project's package.json: its name, and our packages at the registry version (a platform has no source checkout). */
function packageJson(text: string, name: string, version: string): string {
  const pkg = JSON.parse(text) as Record<string, unknown>;
  pkg.name = name;
  for (const field of ["dependencies", "devDependencies"]) {
    const deps = pkg[field] as Record<string, string> | undefined;
    if (!deps) continue;
    if ("@aerostack/runtime" in deps) deps["@aerostack/runtime"] = `^${version}`;
    if ("aerostack" in deps) deps.aerostack = `^${version}`;
  }
  return `${JSON.stringify(pkg, null, 2)}\n`;
}
