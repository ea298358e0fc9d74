/** `aerostack account list` (admin): every account on the platform. */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { table } from "../../core/table";

export default defineCommand({
  path: ["account", "list"],
  description: "List the platform's accounts (admin key needed)",
  async handler({ out }) {
    const { accounts } = await (await connect()).listAccounts();
    out.result(accounts, () => out.info(table(accounts.map((a) => ({ name: a.name, admin: a.admin ? "yes" : "", created: a.createdAt })))));
  },
});
