/** `aerostack account create <name>` (admin): a new account and its first key, printed this once. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand({
  path: ["account", "create"],
  description: "Create an account (admin key needed) and print its first key, shown only once",
  args: ["<name>"],
  examples: ["aerostack account create acme", "aerostack account create acme --json"],
  async handler({ args, out }) {
    const client = await connect();
    const created = await client.createAccount(args[0]!);
    out.result(created, () => {
      const c = out.color;
      out.info(`${c.green("✔")} Created account ${c.bold(created.account.name)}`);
      out.info(`  key "${created.key.name}" (${created.key.id}), shown only this once:\n\n  ${created.key.token}\n`);
      out.info(c.dim(`  Its owner logs in with: aerostack login --url ${client.url}`));
    });
  },
});
