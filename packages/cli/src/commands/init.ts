/** `aerostack init [dir]`: scaffold a project from a template and install its dependencies. */
import { spawn } from "node:child_process";
import { relative } from "node:path";
import { importModule, listTemplates, scaffoldProject, UsageError, UserError } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import type * as InquirerPrompts from "@inquirer/prompts";

type Prompts = typeof InquirerPrompts;

interface InitFlags {
  template?: string;
  name?: string;
  yes?: boolean;
  install: boolean;
}

/** The template `--yes` picks when none is named. */
const DEFAULT_TEMPLATE = "function";

function npmInstall(dir: string, quiet: boolean): Promise<void> {
  return new Promise((resolveInstall, reject) => {
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const child = spawn(npm, ["install", "--no-fund", "--no-audit"], { cwd: dir, stdio: quiet ? "ignore" : ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => reject(new UserError(`Could not run npm install: ${err.message}`, { hint: `Install the dependencies yourself: cd ${dir} && npm install` })));
    child.on("exit", (code) =>
      code === 0
        ? resolveInstall()
        : reject(new UserError(`npm install failed in ${dir} (exit code ${code}).`, { hint: "The project is in place; fix the problem above and run `npm install` there, or use --no-install." })),
    );
  });
}

export default defineCommand<InitFlags>({
  path: ["init"],
  description: "Create a new project from a template",
  args: ["[dir]"],
  options: [
    { flags: "-t, --template <name>", description: "template to use (function, …)" },
    { flags: "--name <name>", description: "project name (default: the folder name)" },
    { flags: "-y, --yes", description: "accept defaults; never prompt" },
    { flags: "--no-install", description: "skip installing the new project's dependencies" },
  ],
  examples: ["aerostack init hello --template function --yes", "aerostack init"],
  async handler({ args, options, globals, out, interactive }) {
    const prompt = interactive && !options.yes && !out.json;
    // Loaded only when prompting: every other command (and CI) skips its start-up cost.
    const prompts: Prompts | undefined = prompt ? await importModule<typeof InquirerPrompts>("@inquirer/prompts") : undefined;
    const templates = await listTemplates();

    let dir = args[0];
    if (!dir) {
      if (!prompt) throw new UsageError("Missing the project folder.", { hint: "Pass it as the first argument: `aerostack init my-app --template function`." });
      dir = await prompts!.input({ message: "Project folder:", default: "my-app", validate: (v) => v.trim().length > 0 || "Enter a folder name" });
    }
    let template = options.template;
    if (!template) {
      if (options.yes) template = DEFAULT_TEMPLATE;
      else if (!prompt) {
        throw new UsageError("Missing the template.", { hint: `Pass --template <name> (one of: ${templates.map((t) => t.name).join(", ")}), or --yes for "${DEFAULT_TEMPLATE}".` });
      } else {
        template = await prompts!.select({
          message: "Template:",
          choices: templates.map((t) => ({ name: t.name, value: t.name, description: t.description })),
        });
      }
    }

    const result = await scaffoldProject({ template, dir, cwd: globals.cwd, ...(options.name ? { name: options.name } : {}) });
    if (options.install) {
      out.info(out.color.dim(`Installing dependencies in ${relative(globals.cwd, result.dir) || "."} …`));
      await npmInstall(result.dir, out.json);
    }
    out.result({ ...result, installed: options.install }, () => {
      const c = out.color;
      const rel = relative(globals.cwd, result.dir) || ".";
      out.info(`${c.green("✔")} Created ${c.bold(result.name)} from the ${c.cyan(result.template)} template in ${rel}`);
      // A workspace runs no code: its next step is the platform, not a local server.
      if (result.template === "workspace") out.info(`\nNext:\n  cd ${rel}\n  edit aerostack.toml (its [[members]])\n  aerostack deploy --dry-run\n`);
      else out.info(`\nNext:\n  cd ${rel}\n  aerostack dev${options.install ? "" : c.dim("      (works before npm install too)")}\n`);
    });
  },
});
