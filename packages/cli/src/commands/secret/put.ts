/** `aerostack secret put NAME [--workspace WS]`: set a deployed project's (or a workspace's) secret; the value from a hidden prompt or stdin, never an argument. */
import { resolveTarget, UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { readHiddenValue } from "../../core/input";
import { connect, ENV_OPTION, PROJECT_OPTION } from "../../core/platform";
import { secretScope, WORKSPACE_OPTION, type SecretScopeFlags } from "../../core/workspace";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export default defineCommand<SecretScopeFlags>({
  path: ["secret", "put"],
  description: "Set a secret (value from a hidden prompt, or stdin); live on the next request, no redeploy",
  // The value is accepted by the parser only to refuse it with a reason, instead of commander's "too many arguments".
  args: ["<name>", "[value...]"],
  options: [ENV_OPTION, PROJECT_OPTION, { ...WORKSPACE_OPTION, description: "set it on this workspace (members' headers reference it as secret:NAME)" }],
  examples: [
    "aerostack secret put STRIPE_KEY",
    "printf %s \"$STRIPE_KEY\" | aerostack secret put STRIPE_KEY --env staging",
    "printf %s \"$STRIPE_KEY\" | aerostack secret put STRIPE_KEY --workspace eng",
  ],
  async handler({ args, options, globals, out, interactive }) {
    const name = args[0]!;
    const extra = (args[1] as unknown as string[] | undefined) ?? [];
    if (extra.length > 0) {
      throw new UsageError("Secret values are never command-line arguments: they would stay in your shell history and the process list.", {
        hint: `Run \`aerostack secret put ${name}\` and type it at the hidden prompt, or pipe it: printf %s "$VALUE" | aerostack secret put ${name}`,
      });
    }
    if (!NAME.test(name)) throw new UsageError(`"${name}" is not a secret name: letters, digits and underscores, not starting with a digit.`);
    const workspace = secretScope(options);
    if (workspace !== undefined) {
      const client = await connect();
      const value = await readHiddenValue({ interactive, message: `Value of ${name} (workspace ${workspace}):`, what: `value for ${name}`, example: `printf %s "$VALUE" | aerostack secret put ${name} --workspace ${workspace}` });
      const info = await client.putWorkspaceSecret(workspace, name, value);
      out.result({ workspace, ...info }, () =>
        out.info(`${out.color.green("✔")} Set ${out.color.bold(info.name)} on workspace ${workspace}; headers that reference secret:${info.name} use it from the next call`),
      );
      return;
    }
    const target = await resolveTarget({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}), ...options });
    const client = await connect(target.definedEnvs ? { definedEnvs: target.definedEnvs } : {});
    const value = await readHiddenValue({
      interactive,
      message: `Value of ${name} (${target.project}, ${target.env}):`,
      what: `value for ${name}`,
      example: `printf %s "$VALUE" | aerostack secret put ${name}${target.env === "production" ? "" : ` --env ${target.env}`}`,
    });
    const info = await client.putSecret(target.project, target.env, name, value);
    out.result({ project: target.project, env: target.env, ...info }, () =>
      out.info(`${out.color.green("✔")} Set ${out.color.bold(info.name)} on ${target.project} (${target.env}); live on the next request`),
    );
  },
});
