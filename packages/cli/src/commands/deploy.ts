/** `aerostack deploy`: upload the project (one environment) to the platform and make it live in one step; a workspace folder syncs its members instead. */
import { deployBotProject, deployProject, deployWorkflowProject, deployWorkspace, importModule, loadProjectConfig, type SyncWorkspaceResult } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import type { Output } from "../core/output";
import { connect } from "../core/platform";
import { startProgress } from "../core/progress";
import type * as Prompts from "@inquirer/prompts";

interface DeployFlags {
  env?: string;
  dryRun?: boolean;
  message?: string;
  yes?: boolean;
}

export default defineCommand<DeployFlags>({
  path: ["deploy"],
  description: "Deploy the project to the platform: bundle, migrations, settings, then flip the live version",
  options: [
    { flags: "--env <name>", description: 'environment (default "production"; others are [env.<name>] in aerostack.toml)' },
    { flags: "--dry-run", description: "check everything (secrets set, code loads, migrations apply) and change nothing; a workspace prints what would change" },
    { flags: "-m, --message <text>", description: "a note stored with the deployment (shown by `deployments list`)" },
    { flags: "-y, --yes", description: "never ask (pending migrations are confirmed on a terminal otherwise)" },
  ],
  examples: ["aerostack deploy", "aerostack deploy --env staging --message \"new pricing\"", "AEROSTACK_API_URL=… AEROSTACK_API_KEY=… aerostack deploy --json"],
  async handler({ options, globals, out, interactive }) {
    const { config } = await loadProjectConfig({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}) });
    // What every kind of project deploys with: the folder, its config, the environment, dry run, the platform.
    const target = {
      cwd: globals.cwd,
      ...(globals.config ? { configPath: globals.config } : {}),
      ...(options.env !== undefined ? { env: options.env } : {}),
      dryRun: options.dryRun === true,
      client: () => connect(),
    };
    if (config.type === "workspace") {
      const outcome = await deployWorkspace(target);
      out.result({ ...outcome.result, requiredSecrets: outcome.requiredSecrets }, () => printSync(out, outcome.result));
      return;
    }
    if (config.type === "workflow") {
      const result = await deployWorkflowProject(target);
      out.result(result, () => {
        const w = result.workflow;
        const what = result.dryRun ? `Dry run: workflow ${out.color.bold(w.name)} would deploy as version ${w.version}; nothing changed.` : result.unchanged ? `Workflow ${out.color.bold(w.name)} is already version ${w.version}; nothing changed.` : `Deployed workflow ${out.color.bold(w.name)} version ${w.version} (${w.nodes} nodes${w.workspace ? `, workspace ${w.workspace}` : ""})`;
        out.info(`${out.color.green("✔")} ${what}`);
        out.info(`  webhook  ${out.color.cyan(w.hookUrl)}`);
        out.info(`  agent    ${out.color.cyan(w.agentUrl)}`);
        if (w.cron) out.info(`  cron     ${w.cron} (UTC)`);
      });
      return;
    }
    if (config.type === "bot") {
      const result = await deployBotProject(target);
      out.result(result, () => {
        const b = result.bot;
        const what = result.dryRun ? `Dry run: bot ${out.color.bold(b.name)} would deploy as version ${b.version}; nothing changed.` : result.unchanged ? `Bot ${out.color.bold(b.name)} is already version ${b.version}.` : `Deployed bot ${out.color.bold(b.name)} version ${b.version} (${b.mode} mode${b.workspace ? `, workspace ${b.workspace}` : ""})`;
        out.info(`${out.color.green("✔")} ${what}`);
        for (const s of result.setup) out.info(`  ${s.platform.padEnd(9)}${s.action}`);
      });
      return;
    }
    const progress = startProgress(out, "Bundling…");
    let outcome;
    try {
      outcome = await deployProject({
        ...target,
        ...(options.message !== undefined ? { message: options.message } : {}),
        onStep: (step) => progress.update(step === "bundling" ? "Bundling…" : step === "checking" ? "Checking migrations…" : "Uploading and activating…"),
        ...(interactive && !options.yes && !out.json
          ? {
              confirmMigrations: async (pending: string[], target: { project: string; env: string }) => {
                progress.stop();
                const { confirm } = await importModule<typeof Prompts>("@inquirer/prompts");
                return confirm({ message: `Apply ${pending.length} migration${pending.length === 1 ? "" : "s"} to ${target.project} (${target.env}): ${pending.join(", ")}?`, default: true });
              },
            }
          : {}),
      });
    } finally {
      progress.stop();
    }
    const { result } = outcome;
    out.result(result, () => {
      const c = out.color;
      const where = `${c.bold(result.project)} (${result.env})`;
      if (result.dryRun) out.info(`${c.green("✔")} Dry run: version ${result.version} of ${where} would deploy; nothing changed.`);
      else if (result.unchanged) out.info(`${c.green("✔")} ${where} already runs version ${result.version}; nothing changed.`);
      else out.info(`${c.green("✔")} Deployed ${where} version ${c.bold(result.version)}${result.previousVersion ? c.dim(` (was ${result.previousVersion})`) : ""} in ${(outcome.durationMs / 1000).toFixed(1)} s`);
      out.info(`  ${c.cyan(result.url)}`);
      const applied = result.migrations.applied;
      if (applied.length) out.info(`  migrations ${result.dryRun ? "to apply" : "applied"}: ${applied.join(", ")}`);
    });
  },
});

/** A workspace deploy: each member under what happened (or would happen) to it. */
function printSync(out: Output, result: SyncWorkspaceResult): void {
  const c = out.color;
  const moved = result.added.length + result.changed.length + result.removed.length;
  if (result.dryRun) out.info(`${c.green("✔")} Dry run for workspace ${c.bold(result.workspace)}: ${moved ? `${moved} member${moved === 1 ? "" : "s"} would change` : "nothing would change"}; nothing changed.`);
  else out.info(`${c.green("✔")} Workspace ${c.bold(result.workspace)} ${moved ? "now matches aerostack.toml" : "already matched aerostack.toml; nothing changed"}`);
  out.info(`  ${c.cyan(result.url)}`);
  const lines: [string[], string, (s: string) => string][] = [
    [result.added, "+ added", c.green],
    [result.changed, "~ changed", c.yellow],
    [result.removed, "- removed", c.red],
    [result.unchanged, "= unchanged", c.dim],
  ];
  for (const [slugs, label, paint] of lines) if (slugs.length) out.info(paint(`  ${label.padEnd(11)} ${slugs.join(", ")}`));
}
