/** `aerostack workspace add <ws> <member>`: a deployed project (default), a proxied server (--url) or another workspace (--workspace). */
import { memberFromFlags, secretNamesOf } from "@aerostack/runtime";
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { printWorkspace, workspaceName } from "../../core/workspace";

interface AddFlags {
  url?: string;
  header?: string[];
  timeout?: string;
  allowPrivate?: boolean;
  workspace?: string;
}

export default defineCommand<AddFlags>({
  path: ["workspace", "add"],
  description: "Add (or replace) a member: a deployed project by name, a proxied MCP server (--url), or another workspace (--workspace)",
  args: ["<workspace>", "<member>"],
  options: [
    { flags: "--url <url>", description: "proxy the MCP server at this URL; <member> names it (the prefix of its tools)" },
    { flags: "--header <name=value>", description: 'a header sent upstream; credentials as "Bearer secret:NAME" (repeatable)', repeatable: true },
    { flags: "--timeout <ms>", description: "per-member timeout for lists (default 10000)" },
    { flags: "--allow-private", description: "let --url reach a private or loopback address (link-local and metadata never)" },
    { flags: "--workspace <other>", description: "compose another of your workspaces (cycles are refused)" },
  ],
  examples: [
    "aerostack workspace add eng weather",
    'aerostack workspace add eng stripe --url https://mcp.stripe.example/mcp --header "Authorization=Bearer secret:STRIPE_KEY"',
    "aerostack workspace add eng tools --workspace platform-tools",
  ],
  async handler({ args, options, out }) {
    const ws = workspaceName(args[0], "the workspace");
    const member = memberFromFlags(ws, args[1]!, options);
    const client = await connect();
    const info = await client.putMember(ws, member);
    // Added either way (a secret may be set after), but a call would fail until it is: say so now.
    const wanted = secretNamesOf(member);
    const have = wanted.length ? new Set((await client.listWorkspaceSecrets(ws)).secrets.map((s) => s.name)) : new Set<string>();
    for (const name of wanted.filter((n) => !have.has(n))) out.warn(`Secret ${name} is not set on ${ws} yet: \`printf %s "$VALUE" | aerostack secret put ${name} --workspace ${ws}\`.`);
    out.result(info, () => {
      out.info(`${out.color.green("✔")} ${member.slug} is a member of ${out.color.bold(ws)}; its tools appear as ${member.slug}__<tool>`);
      printWorkspace(out, info);
    });
  },
});
