/** `aerostack account keys revoke <id>`: a key stops working on its next request. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

export default defineCommand({
  path: ["account", "keys", "revoke"],
  description: "Revoke one of your account's keys (effective on its next request)",
  args: ["<id>"],
  examples: ["aerostack account keys revoke key_abc123"],
  async handler({ args, out }) {
    const client = await connect();
    const id = args[0]!;
    await client.revokeKey(id);
    out.result({ revoked: id }, () => out.info(`${out.color.green("✔")} Revoked key ${id}`));
  },
});
