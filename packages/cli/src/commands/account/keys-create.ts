/** `aerostack account keys create [--name N]`: another key for the calling account (for CI), printed this once. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand<{ name?: string }>({
  path: ["account", "keys", "create"],
  description: "Create another key for your account (such as one per CI pipeline); shown only once",
  options: [{ flags: "--name <name>", description: 'a label for the key (default "key")' }],
  examples: ["aerostack account keys create --name github-actions"],
  async handler({ options, out }) {
    const key = await (await connect()).createKey(options.name);
    out.result(key, () => {
      out.info(`${out.color.green("✔")} Created key "${key.name}" (${key.id}), shown only this once:\n\n  ${key.token}\n`);
      out.info(out.color.dim("  In CI, set it as AEROSTACK_API_KEY (with AEROSTACK_API_URL)."));
    });
  },
});
