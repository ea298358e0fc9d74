/**
 * Order lookup as a small MCP server (JSON over POST /mcp, stateless): one tool, `lookup_order`, answering from a
 * fixed table. It stands in for a shop's order database in the refund example.
 */
const ORDERS: Record<string, { orderId: string; total: number; currency: string; items: string[] }> = {
  A100: { orderId: "A100", total: 120, currency: "usd", items: ["keyboard"] },
  B200: { orderId: "B200", total: 900, currency: "usd", items: ["monitor", "dock"] },
};

const TOOLS = [
  { name: "lookup_order", description: "An order's total and items by id", inputSchema: { type: "object", properties: { orderId: { type: "string" } }, required: ["orderId"] } },
];

interface Message {
  id?: number | string;
  method: string;
  params?: { protocolVersion?: string; name?: string; arguments?: { orderId?: string } };
}

const reply = (id: Message["id"], result: unknown) => Response.json({ jsonrpc: "2.0", id, result });

export default {
  async fetch(request: Request): Promise<Response> {
    if (new URL(request.url).pathname !== "/mcp" || request.method !== "POST") return new Response("POST /mcp", { status: 404 });
    const message = (await request.json()) as Message;
    if (message.id === undefined) return new Response(null, { status: 202 });
    if (message.method === "initialize") return reply(message.id, { protocolVersion: message.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: "orders", version: "1.0.0" } });
    if (message.method === "tools/list") return reply(message.id, { tools: TOOLS });
    if (message.method === "tools/call") {
      const order = ORDERS[message.params?.arguments?.orderId ?? ""];
      if (!order) return reply(message.id, { content: [{ type: "text", text: `no order ${message.params?.arguments?.orderId}` }], isError: true });
      return reply(message.id, { content: [{ type: "text", text: JSON.stringify(order) }], structuredContent: order });
    }
    return Response.json({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "Method not found" } });
  },
};
