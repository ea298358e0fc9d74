/** `aerostack whoami`: the platform, account and key the CLI is using (and where they came from). */
import { resolveCredentials, ApiClient } from "@aerostack/runtime";
import { defineCommand } from "../core/command";

export default defineCommand({
  path: ["whoami"],
  description: "Show the platform, account and key in use",
  async handler({ out }) {
    const credentials = await resolveCredentials();
    const who = await new ApiClient({ url: credentials.url, key: credentials.key, keySource: credentials.source.key }).whoami();
    const from = credentials.source.key === "env" ? "AEROSTACK_API_KEY" : "aerostack login";
    out.result({ url: credentials.url, ...who, source: credentials.source }, () => {
      const c = out.color;
      out.info(`${c.bold(who.account)}${who.admin ? c.cyan(" (admin)") : ""} on ${credentials.url}`);
      out.info(c.dim(`  key "${who.key.name}" (${who.key.id}), from ${from}`));
    });
  },
});
