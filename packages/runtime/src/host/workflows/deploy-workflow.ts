/**
 * `aerostack deploy` in a `type = "workflow"` folder: load the definition (a JSON file, or a TypeScript/JavaScript
 * module whose default export is the definition), check it with the same rules the platform applies
 * (shared/workflows-validate.ts) so a mistake is named before any upload, then store it as the workflow's next version.
 */
import { readFile } from "node:fs/promises";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { DeployWorkflowResult } from "../../shared/workflows";
import { formatProblems, validateWorkflow } from "../../shared/workflows-validate";
import type { ApiClient } from "../api/client";
import { loadProjectConfig } from "../config/load";
import { UsageError, UserError } from "../errors";
import { importModule } from "../startup/esm-import";
import type * as Esbuild from "esbuild";

export interface DeployWorkflowOptions {
  cwd: string;
  configPath?: string;
  dryRun?: boolean;
  env?: string;
  client: () => ApiClient | Promise<ApiClient>;
}

/** The definition file of a workflow project: `main` when it names one, else workflow.json. */
function definitionPath(cwd: string, main: string): string {
  return resolve(cwd, /\.(json|ts|mts|js|mjs)$/.test(main) && main !== "src/index.ts" ? main : "workflow.json");
}

/** Reads the definition: JSON as is; a module is bundled with esbuild and its default export taken. */
export async function loadWorkflowDefinition(cwd: string, main: string): Promise<unknown> {
  return (await loadWorkflowSource(cwd, main)).definition;
}

/** The definition and the files it was read from (`aerostack dev` reloads when one of them is saved). */
export async function loadWorkflowSource(cwd: string, main: string): Promise<{ definition: unknown; inputs: string[] }> {
  const file = definitionPath(cwd, main);
  if (extname(file) === ".json") {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      throw new UserError(`No workflow definition at ${file}.`, { hint: 'Put the definition in workflow.json, or set main = "src/workflow.ts" in aerostack.toml.' });
    }
    try {
      return { definition: JSON.parse(text) as unknown, inputs: [file] };
    } catch (err) {
      throw new UserError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  // Through importModule: the CLI runs this from a V8 code cache, where import() of its own is unavailable.
  const { build } = await importModule<typeof Esbuild>("esbuild");
  const out = await build({ entryPoints: [file], bundle: true, format: "esm", platform: "node", write: false, metafile: true, logLevel: "silent", absWorkingDir: cwd }).catch((err: Error) => {
    throw new UserError(`Could not build ${file}: ${err.message.split("\n")[0]}`);
  });
  const inputs = Object.keys(out.metafile.inputs).map((input) => resolve(cwd, input));
  const dir = await mkdtemp(join(tmpdir(), "aerostack-workflow-"));
  try {
    const bundled = join(dir, "workflow.mjs");
    await writeFile(bundled, out.outputFiles[0]!.text);
    const mod = await importModule<{ default?: unknown }>(pathToFileURL(bundled).href);
    if (mod.default === undefined) throw new UserError(`${file} has no default export: export the workflow definition as default.`);
    return { definition: mod.default, inputs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The project's definition, checked: a definition without a `name` takes the project's (so a template's copy is
 * named by `aerostack init`); one with a different name is refused. aerostack.toml's `[email]` becomes its `email`.
 */
export async function projectWorkflow(cwd: string, configPath?: string): Promise<{ name: string; definition: Record<string, unknown>; inputs: string[] }> {
  const { config, root } = await loadProjectConfig({ cwd, ...(configPath ? { configPath } : {}) });
  if (config.type !== "workflow") throw new UsageError(`Project "${config.name}" is a ${config.type}, not a workflow.`, { hint: 'Workflow projects have type = "workflow" in aerostack.toml.' });
  const { definition: loaded, inputs } = await loadWorkflowSource(root, config.main);
  // aerostack.toml's [email] is the provider auth_gate's email channel uses; a definition's own `email` wins.
  const email = config.email ? { email: { url: config.email.url, from: config.email.from, ...(config.email.api_key_secret ? { apiKeySecret: config.email.api_key_secret } : {}), ...(config.email.subject ? { subject: config.email.subject } : {}) } } : {};
  const raw = loaded !== null && typeof loaded === "object" && !Array.isArray(loaded) ? { name: config.name, ...email, ...(loaded as Record<string, unknown>) } : loaded;
  const checked = validateWorkflow(raw);
  if (!checked.ok) throw new UserError(`The workflow definition has problems:\n${formatProblems(checked.problems)}`, { hint: "Fix them and deploy again; `aerostack deploy --dry-run` checks without deploying." });
  if (checked.definition.name !== config.name) {
    throw new UserError(`The definition is named "${checked.definition.name}" but aerostack.toml names the project "${config.name}".`, { hint: "Give both the same name (or leave `name` out of the definition)." });
  }
  return { name: config.name, definition: raw as Record<string, unknown>, inputs };
}

export async function deployWorkflowProject(options: DeployWorkflowOptions): Promise<DeployWorkflowResult> {
  if (options.env !== undefined) throw new UsageError("--env does not apply to a workflow: it has one definition with versions.", { hint: "Deploy a second workflow (refunds-staging) for another environment." });
  const { name, definition } = await projectWorkflow(options.cwd, options.configPath);
  const client = await options.client();
  return client.call("deployWorkflow", { params: { workflow: name }, body: { definition, dryRun: options.dryRun === true } });
}
