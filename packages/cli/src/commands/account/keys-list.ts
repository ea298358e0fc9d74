/** `aerostack account keys list`: the calling account's keys (ids, names, dates; never the tokens). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { table } from "../../core/table";

export default defineCommand({
  path: ["account", "keys", "list"],
  description: "List your account's keys (never the key values)",
  async handler({ out }) {
    const { keys } = await (await connect()).listKeys();
    out.result(keys, () =>
      out.info(table(keys.map((k) => ({ id: k.id, name: k.name, created: k.createdAt, "last used": k.lastUsedAt ?? "never", revoked: k.revokedAt ?? "" })))),
    );
  },
});
