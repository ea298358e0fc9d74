/** `aerostack logout`: forget the stored login (the key itself stays valid; revoke it with `account keys revoke`). */
import { credentialsPath, deleteLogin } from "@aerostack/runtime";
import { defineCommand } from "../core/command";

export default defineCommand({
  path: ["logout"],
  description: "Remove the stored platform login",
  async handler({ out }) {
    const file = credentialsPath();
    const removed = await deleteLogin();
    out.result({ removed, file }, () => {
      out.info(removed ? `${out.color.green("✔")} Logged out (removed ${file})` : "Not logged in; nothing to remove.");
      if (removed) out.info(out.color.dim("  The key still works until revoked: `aerostack account keys revoke <id>`."));
    });
  },
});
