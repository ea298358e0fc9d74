/** `aerostack login [--url U]`: check an account key against a platform and store both (0600) for later commands. */
import { ApiClient, checkAccountKey, DEFAULT_PLATFORM_URL, normalizePlatformUrl, saveLogin } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { readHiddenValue } from "../core/input";

interface LoginFlags {
  url?: string;
}

export default defineCommand<LoginFlags>({
  path: ["login"],
  description: "Log in to a platform with an account key (prompted for, or read from stdin)",
  options: [{ flags: "--url <url>", description: `the platform's address (default: AEROSTACK_API_URL, else ${DEFAULT_PLATFORM_URL})` }],
  examples: ["aerostack login", "aerostack login --url https://aerostack.example.com", "printf %s \"$AEROSTACK_KEY\" | aerostack login --url http://127.0.0.1:8700"],
  async handler({ options, out, interactive }) {
    const url = normalizePlatformUrl(options.url ?? process.env.AEROSTACK_API_URL ?? DEFAULT_PLATFORM_URL, options.url ? "--url" : process.env.AEROSTACK_API_URL ? "AEROSTACK_API_URL" : "the default URL");
    const raw = await readHiddenValue({
      interactive,
      message: `Account key for ${url}:`,
      what: "account key",
      example: "printf %s \"$KEY\" | aerostack login",
    });
    const key = checkAccountKey(raw, "The key given");
    // Checked before storing: a typo or a revoked key is reported now, not on the next deploy.
    const who = await new ApiClient({ url, key, keySource: "login" }).whoami();
    const file = await saveLogin({ url, key, account: who.account, savedAt: new Date().toISOString() });
    if (process.env.AEROSTACK_API_KEY) out.warn("AEROSTACK_API_KEY is set in this shell and wins over the stored login; unset it to use this one.");
    out.result({ url, account: who.account, admin: who.admin, key: who.key, file }, () => {
      const c = out.color;
      out.info(`${c.green("✔")} Logged in to ${url} as ${c.bold(who.account)}${who.admin ? " (admin)" : ""} with key "${who.key.name}"`);
      out.info(c.dim(`  stored in ${file}`));
    });
  },
});
