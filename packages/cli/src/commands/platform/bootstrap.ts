/** `aerostack platform bootstrap`: create the admin account of a platform deployed to Cloudflare (once). */
import { bootstrapAdmin, UsageError, UserError } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";

interface BootstrapFlags {
  url: string;
}

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  return text.trim();
}

export default defineCommand<BootstrapFlags>({
  path: ["platform", "bootstrap"],
  description: "Create the admin account of a deployed platform and print its key (once); the host token comes from AEROSTACK_HOST_TOKEN or stdin",
  options: [{ flags: "--url <url>", description: "the platform's URL, e.g. https://aero.example.com" }],
  examples: ["AEROSTACK_HOST_TOKEN=… aerostack platform bootstrap --url https://aero.example.com", "echo -n \"$TOKEN\" | aerostack platform bootstrap --url https://aero.example.com"],
  async handler({ options, out, interactive }) {
    if (!options.url) throw new UsageError("--url is required.", { hint: "For example `aerostack platform bootstrap --url https://aero.example.com`." });
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new UsageError(`--url ${JSON.stringify(options.url)} is not a URL.`, { hint: "For example https://aero.example.com" });
    }
    // Never an argument: arguments end up in shell history and process lists.
    const token = process.env.AEROSTACK_HOST_TOKEN?.trim() || (interactive ? "" : await readStdin());
    if (!token) throw new UsageError("No host token.", { hint: "Set AEROSTACK_HOST_TOKEN, or pipe it on stdin." });
    const key = await bootstrapAdmin((u, init) => fetch(u, init), url.origin, token);
    if (!key) throw new UserError("This platform already has its admin account; bootstrap runs once.", { hint: "Create more accounts with `aerostack account create <name>` as admin." });
    out.result({ account: "admin", key }, () => {
      out.info("Admin key (shown once; only its hash is stored):");
      out.info(key);
      out.info(out.color.dim(`\n  export AEROSTACK_API_URL=${url.origin} AEROSTACK_API_KEY=${key}`));
    });
  },
});
