/** `aerostack hub publish`: the deployed project becomes `@account/name` at the version in aerostack.toml. */
import { publishBody } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

interface PublishFlags {
  visibility?: string;
  name?: string;
  config?: string;
}

export default defineCommand<PublishFlags>({
  path: ["hub", "publish"],
  description: "Publish the deployed project to the Hub as @account/name at the version in aerostack.toml (immutable)",
  options: [
    { flags: "--visibility <who>", description: "public (listed), account (installable by name, unlisted) or private (your account only); default public" },
    { flags: "--name <@account/name>", description: "the package name (default @<your account>/<project name>)" },
    { flags: "--config <path>", description: "the project's aerostack.toml" },
  ],
  examples: ["aerostack hub publish", "aerostack hub publish --visibility private"],
  async handler({ options, out }) {
    const body = await publishBody({ cwd: process.cwd(), ...(options.config ? { configPath: options.config } : {}), ...(options.visibility ? { visibility: options.visibility } : {}), ...(options.name ? { name: options.name } : {}) });
    const info = await (await connect()).call("hubPublish", { body });
    out.result(info, () => {
      out.info(`${out.color.green("✔")} Published ${out.color.bold(`${info.name}@${info.version}`)} (${info.visibility}): ${info.manifest.tools.length} tool${info.manifest.tools.length === 1 ? "" : "s"}`);
      for (const t of info.manifest.tools) out.info(`  ${t.name}  ${out.color.dim(t.description)}`);
      out.info(`Install it: aerostack hub install ${info.name} --workspace <workspace>`);
    });
  },
});
