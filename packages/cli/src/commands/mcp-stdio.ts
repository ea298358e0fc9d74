/** `aerostack mcp stdio <url>`: let a stdio-only MCP client (Claude Desktop, …) use a Streamable HTTP endpoint. */
import { parseEndpointUrl, runStdioBridge } from "@aerostack/runtime";
import { defineCommand } from "../core/command";
import { resolveToken, TOKEN_OPTION } from "../core/mcp";

interface StdioFlags {
  token?: string;
}

export default defineCommand<StdioFlags>({
  path: ["mcp", "stdio"],
  description: "Bridge stdio (JSON-RPC on stdin/stdout) to a Streamable HTTP MCP endpoint, for stdio-only clients",
  args: ["<url>"],
  options: [TOKEN_OPTION],
  examples: [
    "aerostack mcp stdio http://127.0.0.1:8787/mcp",
    "AEROSTACK_TOKEN=mwt_dev_… aerostack mcp stdio http://127.0.0.1:8787/ws/dev",
  ],
  async handler({ args, options, out }) {
    const url = parseEndpointUrl(args[0]!).href;
    // stdout belongs to the protocol: every diagnostic goes to stderr, which stdio clients show in their logs.
    await runStdioBridge({
      url,
      ...(resolveToken(options.token) ? { token: resolveToken(options.token)! } : {}),
      input: process.stdin,
      output: process.stdout,
      log: (line) => out.warn(`mcp stdio: ${line}`),
    });
  },
});
