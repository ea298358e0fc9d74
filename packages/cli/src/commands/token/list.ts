/** `aerostack token list --workspace <ws>`: a workspace's member tokens (ids, names, roles, dates; never the tokens). */
import { defineCommand } from "../../core/command";
import { connect } from "../../core/platform";
import { table } from "../../core/table";
import { WORKSPACE_OPTION, workspaceName } from "../../core/workspace";

export default defineCommand<{ workspace?: string }>({
  path: ["token", "list"],
  description: "List a workspace's member tokens (never the token values)",
  options: [WORKSPACE_OPTION],
  examples: ["aerostack token list --workspace eng"],
  async handler({ options, out }) {
    const ws = workspaceName(options.workspace);
    const { tokens } = await (await connect()).listWorkspaceTokens(ws);
    out.result(tokens, () =>
      out.info(
        tokens.length
          ? table(
              tokens.map((t) => ({
                id: t.id,
                name: t.name,
                role: t.role,
                created: t.createdAt,
                expires: t.expiresAt ?? "never",
                "last used": t.lastUsedAt ?? "never",
                revoked: t.revokedAt ?? "",
                tools: t.tools?.join(", ") ?? "all",
              })),
            )
          : `No tokens for ${ws}: \`aerostack token create --workspace ${ws} --role developer --name <who>\`.`,
      ),
    );
  },
});
