// The Cloudflare side of the workflows benchmark: 100 durable steps, each returning a value, like the 100-node
// set_variable chain on the Aerostack side. GET /start creates an instance; GET /status?id= reads its status.
/* global Response */
import { WorkflowEntrypoint } from "cloudflare:workers";

export class Chain extends WorkflowEntrypoint {
  async run(_event, step) {
    let value = 0;
    for (let i = 0; i < 100; i++) value = await step.do(`step ${i}`, async () => value + 1);
    return value;
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/start") return Response.json({ id: (await env.CHAIN.create()).id });
    if (url.pathname === "/status") return Response.json(await (await env.CHAIN.get(url.searchParams.get("id"))).status());
    return new Response("ok");
  },
};
