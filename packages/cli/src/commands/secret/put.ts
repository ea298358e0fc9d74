/** `aerostack secret put NAME`: set a deployed project's secret; the value from a hidden prompt or stdin, never an argument. */
import { resolveTarget, UsageError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { readHiddenValue } from "../../core/input";
import { connect, ENV_OPTION, PROJECT_OPTION, type TargetFlags } from "../../core/platform";

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export default defineCommand<TargetFlags>({
  path: ["secret", "put"],
  description: "Set a secret (value from a hidden prompt, or stdin); live on the next request, no redeploy",
  // The value is accepted by the parser only to refuse it with a reason, instead of commander's "too many arguments".
  args: ["<name>", "[value...]"],
  options: [ENV_OPTION, PROJECT_OPTION],
  examples: ["aerostack secret put STRIPE_KEY", "printf %s \"$STRIPE_KEY\" | aerostack secret put STRIPE_KEY --env staging"],
  async handler({ args, options, globals, out, interactive }) {
    const name = args[0]!;
    const extra = (args[1] as unknown as string[] | undefined) ?? [];
    if (extra.length > 0) {
      throw new UsageError("Secret values are never command-line arguments: they would stay in your shell history and the process list.", {
        hint: `Run \`aerostack secret put ${name}\` and type it at the hidden prompt, or pipe it: printf %s "$VALUE" | aerostack secret put ${name}`,
      });
    }
    if (!NAME.test(name)) throw new UsageError(`"${name}" is not a secret name: letters, digits and underscores, not starting with a digit.`);
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
