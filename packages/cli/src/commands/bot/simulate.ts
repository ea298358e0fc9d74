/** `aerostack bot simulate --platform slack --text "refund order 42"`: a correctly signed webhook, sent to the bot on the platform. */
import { BOT_PLATFORMS, loadProjectConfig, sendWebhook, signedWebhook, simulationSecrets, UsageError, UserError, type BotPlatform } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";

interface Flags {
  platform?: string;
  text?: string;
  bot?: string;
  chat?: string;
  user?: string;
  button?: boolean;
  id?: string;
  url?: string;
}

export default defineCommand<Flags>({
  path: ["bot", "simulate"],
  description: "Send the bot a webhook signed the way the chat platform signs it (secrets from the environment or .dev.vars)",
  options: [
    { flags: "--platform <name>", description: `the chat platform (${BOT_PLATFORMS.join(", ")})` },
    { flags: "--text <text>", description: "what the user writes (or with --button, the button's data)" },
    { flags: "--bot <name>", description: "the bot (default: the name in aerostack.toml)" },
    { flags: "--chat <id>", description: "the chat or channel id (default 1001)" },
    { flags: "--user <id>", description: "the user id (default 42)" },
    { flags: "--button", description: "a button press instead of a message" },
    { flags: "--id <id>", description: "the delivery id (the same id twice is a redelivery; default: a new one)" },
    { flags: "--url <url>", description: "the platform's address (default: the one you are logged in to)" },
  ],
  examples: ['aerostack bot simulate --platform slack --text "refund order 42"', "aerostack bot simulate --platform telegram --button --text approve:run_0123…"],
  async handler({ options, globals, out }) {
    const platform = options.platform as BotPlatform | undefined;
    if (!platform || !(BOT_PLATFORMS as readonly string[]).includes(platform)) throw new UsageError(`--platform must be one of ${BOT_PLATFORMS.join(", ")}.`);
    if (!options.text) throw new UsageError("Missing --text: what the user writes.", { hint: 'aerostack bot simulate --platform slack --text "hello"' });
    const bot = options.bot ?? (await loadProjectConfig({ cwd: globals.cwd, ...(globals.config ? { configPath: globals.config } : {}) }).catch(() => null))?.config.name;
    if (!bot) throw new UsageError("Which bot? Run this in the bot's folder or pass --bot <name>.");
    const base = options.url ?? (await connect()).url;
    const id = options.id ?? String(Date.now() % 2_000_000_000);
    const hook = signedWebhook({ platform, text: options.text, chat: options.chat ?? "1001", user: options.user ?? "42", id, ...(options.button ? { button: true } : {}) }, await simulationSecrets(globals.cwd));
    const answer = await sendWebhook(base, bot, platform, hook);
    if (answer.status >= 300) {
      throw new UserError(`The bot's ${platform} webhook answered HTTP ${answer.status}: ${answer.body.slice(0, 300)}`, { hint: "A 401 or 403 means the signing secret in your environment (or .dev.vars) is not the one set with `aerostack secret put`." });
    }
    const result = { platform, bot, id, status: answer.status, response: answer.body, ms: Math.round(answer.ms) };
    out.result(result, () => out.info(`${out.color.green("✔")} ${platform} webhook ${id} → ${answer.status} in ${result.ms} ms ${answer.body ? out.color.dim(answer.body.slice(0, 200)) : ""}`));
  },
});
