/** `workspace enable|disable <ws> <member> [--tool T …]`: one definition for both, as they differ only in the direction. */
import { defineCommand, type CommandDefinition } from "./command";
import { connect } from "./platform";
import { findMember, printWorkspace, workspaceName } from "./workspace";

/**
 * Without --tool the whole member is switched. With --tool only those tools are, merged into the member's
 * disabledTools (the API replaces the list, so the current one is read first). A tool may be named as the member
 * knows it (`forecast`) or as clients see it (`weather__forecast`).
 */
export function memberSwitchCommand(enable: boolean): CommandDefinition<{ tool?: string[] }> {
  const verb = enable ? "enable" : "disable";
  return defineCommand<{ tool?: string[] }>({
    path: ["workspace", verb],
    description: enable ? "Turn a member (or some of its tools) back on" : "Turn a member (or some of its tools) off without removing it",
    args: ["<workspace>", "<member>"],
    options: [{ flags: "--tool <name>", description: `${verb} only this tool of the member (repeatable)`, repeatable: true }],
    examples: [`aerostack workspace ${verb} eng stripe`, `aerostack workspace ${verb} eng stripe --tool create_refund --tool delete_customer`],
    async handler({ args, options, out }) {
      const ws = workspaceName(args[0], "the workspace");
      const member = args[1]!;
      const client = await connect();
      const tools = (options.tool ?? []).map((t) => (t.startsWith(`${member}__`) ? t.slice(member.length + 2) : t));
      let state: { enabled?: boolean; disabledTools?: string[] };
      if (tools.length === 0) state = { enabled: enable };
      else {
        const current = findMember(await client.getWorkspace(ws), member).disabledTools;
        state = { disabledTools: enable ? current.filter((t) => !tools.includes(t)) : [...new Set([...current, ...tools])] };
      }
      const info = await client.setMemberState(ws, member, state);
      const row = findMember(info, member);
      out.result(info, () => {
        const what = tools.length ? `${tools.map((t) => `${member}__${t}`).join(", ")}` : member;
        out.info(`${out.color.green("✔")} ${enable ? "Enabled" : "Disabled"} ${what} in ${out.color.bold(ws)}`);
        if (tools.length && !row.enabled) out.info(out.color.dim(`  The member itself is disabled: \`aerostack workspace enable ${ws} ${member}\` turns it on.`));
        printWorkspace(out, info);
      });
    },
  });
}
