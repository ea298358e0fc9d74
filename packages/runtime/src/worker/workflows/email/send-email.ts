/**
 * Sends one email through the workflow's HTTP email provider, via the egress guard (the same rules as user code and
 * http_request). The API key is read from the workflow's secrets here and only here; no error quotes it.
 */
import type { EmailProvider } from "../../../shared/workflows";
import { egressFor } from "../../egress/outbound";
import { projectStore } from "../../projects/project-store";
import { redactSecrets } from "../interpolate";
import { NodeFailure, type NodeContext } from "../nodes/types";

export async function sendCodeEmail(ctx: NodeContext, provider: EmailProvider, email: { to: string; subject: string; text: string }): Promise<void> {
  const headers = new Headers({ "content-type": "application/json", "idempotency-key": await ctx.idempotencyKey() });
  const secrets: Record<string, string> = {};
  if (provider.apiKeySecret) {
    const key = (await projectStore(ctx.env, ctx.run.tenant).getSecrets(ctx.run.tenant))[provider.apiKeySecret];
    if (!key) throw new NodeFailure(`auth_gate: the email provider's key secret ${provider.apiKeySecret} is not set; set it with \`aerostack secret put ${provider.apiKeySecret}\` in the workflow's folder`);
    secrets[provider.apiKeySecret] = key;
    headers.set("authorization", `Bearer ${key}`);
  }
  const url = new URL(provider.url);
  let response: Response;
  try {
    response = await egressFor(ctx.env, ctx.exports, ctx.run.tenant).fetch(url.toString(), {
      method: "POST",
      headers,
      body: JSON.stringify({ from: provider.from, to: [email.to], subject: email.subject, text: email.text }),
      signal: ctx.signal,
    });
  } catch (err) {
    // A refused address or a network failure: worth another attempt only when the network was at fault.
    throw new NodeFailure(`auth_gate: could not reach the email provider at ${url.host}: ${redactSecrets(err instanceof Error ? err.message : String(err), secrets).slice(0, 300)}`, true);
  }
  const detail = redactSecrets((await response.text()).slice(0, 200), secrets);
  if (!response.ok) {
    throw new NodeFailure(`auth_gate: the email provider at ${url.host} answered ${response.status}${detail ? `: ${detail}` : ""}`, response.status >= 500 || response.status === 429);
  }
}
