/** Members' requests of the client (sampling, elicitation, roots) sent on to the gateway's client, and its answers back. */
import { INTERNAL_ERROR, isObject, METHOD_NOT_FOUND, type JsonObject, type JsonRpcMessage, type JsonRpcResponse } from "./jsonrpc";

/** Sends a member's request on to the client; resolves with the answer's body for the member (`{result}` or `{error}`). */
export type Relay = (request: JsonObject) => Promise<JsonObject>;

/** The request methods a member may send its client, by the client capability that lets it. */
const RELAYED: Record<string, string> = {
  "sampling/createMessage": "sampling",
  "elicitation/create": "elicitation",
  "roots/list": "roots",
};

/**
 * What members are told the gateway's client can do: exactly the relayed capabilities the client offered, so a
 * member offers the tools that need them (and never asks for what the client cannot give).
 */
export function relayedCapabilities(client: JsonObject | undefined): JsonObject {
  const out: JsonObject = {};
  for (const capability of Object.values(RELAYED)) if (client && isObject(client[capability])) out[capability] = client[capability];
  return out;
}

/**
 * The session's open relays. The client sees ids the gateway makes (`aerostack-<instance>-<n>`): every member
 * numbers its requests from 0, so their own ids would collide in the client's one id space. The instance part keeps
 * a late answer meant for an object that was since evicted from meeting a new request with the same number.
 */
export class RelayedRequests {
  private readonly waiting = new Map<string, (answer: JsonObject) => void>();
  private readonly instance = crypto.randomUUID().slice(0, 8);
  private next = 0;

  relay(request: JsonObject, clientCapabilities: JsonObject, send: (m: JsonRpcMessage) => void, signal: AbortSignal): Promise<JsonObject> {
    const method = typeof request.method === "string" ? request.method : "";
    const capability = RELAYED[method];
    if (!capability) return Promise.resolve({ error: { code: METHOD_NOT_FOUND, message: `the Aerostack gateway does not relay ${method} to its clients` } });
    if (!isObject(clientCapabilities[capability])) {
      return Promise.resolve({ error: { code: METHOD_NOT_FOUND, message: `the client did not declare the ${capability} capability` } });
    }
    if (signal.aborted) return Promise.resolve({ error: { code: INTERNAL_ERROR, message: "the request it belongs to has ended" } });
    const id = `aerostack-${this.instance}-${++this.next}`;
    return new Promise<JsonObject>((resolve) => {
      const onAbort = () => finish({ error: { code: INTERNAL_ERROR, message: "the request it belongs to has ended" } });
      const finish = (answer: JsonObject) => {
        this.waiting.delete(id);
        signal.removeEventListener("abort", onAbort);
        resolve(answer);
      };
      this.waiting.set(id, finish);
      signal.addEventListener("abort", onAbort, { once: true });
      send({ jsonrpc: "2.0", id, method, ...(isObject(request.params) ? { params: request.params } : {}) });
    });
  }

  /** The client's answer to a relayed request; answers to ids the gateway did not send are ignored. */
  answer(response: JsonRpcResponse): void {
    if (typeof response.id !== "string") return;
    const finish = this.waiting.get(response.id);
    if (!finish) return;
    finish("error" in response ? { error: response.error } : { result: response.result });
  }

  /** Fails every open relay (the session ended). */
  abandon(reason: string): void {
    for (const finish of [...this.waiting.values()]) finish({ error: { code: INTERNAL_ERROR, message: reason } });
  }
}
