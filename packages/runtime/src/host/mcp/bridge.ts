/** `aerostack mcp stdio`: newline-delimited JSON-RPC on stdin/stdout, forwarded verbatim to a Streamable HTTP endpoint. */
import { createInterface } from "node:readline";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import type { UserError } from "../errors";
import { createRemoteTransport, describeRemoteError, formatRemoteError, type RemoteOptions } from "./remote";

export interface StdioBridgeOptions extends RemoteOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Diagnostics (stderr): stdout carries nothing but JSON-RPC. */
  log(line: string): void;
}

type Id = string | number;
type Message = Record<string, unknown>;

/** JSON-RPC's implementation-defined server error: the bridge could not deliver the request. */
const BRIDGE_ERROR = -32000;
const PARSE_ERROR = -32700;
/** How long a session's DELETE may take when stdin closes; the client is gone, so it must not hold up the exit. */
const TERMINATE_TIMEOUT_MS = 2_000;
/**
 * How long answers to requests already sent may take once stdin has closed (`echo '…' | aerostack mcp stdio` must
 * still print them); the SDK's default request timeout. Clients that quit kill the bridge sooner anyway.
 */
const DRAIN_TIMEOUT_MS = 60_000;

const isRequest = (m: Message): boolean => typeof m.method === "string" && (typeof m.id === "string" || typeof m.id === "number");
/** Ids of the bridge's own requests (a replayed initialize): their answers are the bridge's, never the client's. */
const BRIDGE_ID_PREFIX = "aerostack-bridge-";
/** The server no longer knows the session (it restarted, e.g. `aerostack dev` was stopped and started again). */
const sessionGone = (err: unknown): boolean => (err as { constructor?: { name?: string } } | null)?.constructor?.name === "StreamableHTTPError" && (err as { code?: unknown }).code === 404;

/**
 * Runs until `input` ends (the client closed the pipe), then ends the remote session. Rejects with a UserError when
 * `initialize` cannot be delivered (unreachable, 401, …): nothing after it could work, and stdio clients show a
 * server's stderr when it exits. Later failures are answered per request and the bridge keeps going.
 */
export async function runStdioBridge(options: StdioBridgeOptions): Promise<void> {
  const { input, output, log } = options;
  let transport = await createRemoteTransport(options);
  const tokenGiven = Boolean(options.token);
  let closing = false;
  // What a new session needs when the server forgets ours: the client's initialize (replayed with the bridge's own
  // id), whether it went on to send notifications/initialized, and the answers the bridge waits for itself.
  let clientInitialize: Message | undefined;
  let clientInitialized = false;
  const ownRequests = new Map<string, (answer: Message) => void>();
  let ownIds = 0;
  let recovering: Promise<void> | undefined;
  // `initialize` requests in flight, each with what releases the messages queued behind it: its answer carries
  // the session id and protocol version every later HTTP request must declare.
  const initializing = new Map<Id, () => void>();
  let initialized: Promise<void> = Promise.resolve();
  const release = (id: Id) => {
    initializing.get(id)?.();
    initializing.delete(id);
  };
  // Requests from the client still waiting for their response.
  const pending = new Set<Id>();
  let drained: (() => void) | undefined;
  const answered = (id: unknown) => {
    if ((typeof id === "string" || typeof id === "number") && pending.delete(id) && pending.size === 0) drained?.();
  };

  const write = (message: unknown) => {
    if (!closing) output.write(`${JSON.stringify(message)}\n`);
  };

  const onmessage = (message: JSONRPCMessage) => {
    const m = message as Message;
    if (typeof m.id === "string" && ownRequests.has(m.id) && !("method" in m)) {
      ownRequests.get(m.id)!(m);
      ownRequests.delete(m.id);
      return;
    }
    const initialize = (typeof m.id === "string" || typeof m.id === "number") && !("method" in m) && initializing.has(m.id);
    if (initialize && m.result && typeof m.result === "object") {
      const version = (m.result as { protocolVersion?: unknown }).protocolVersion;
      // Set before the client sees the result, so its next request already carries MCP-Protocol-Version.
      if (typeof version === "string") transport.setProtocolVersion(version);
    }
    write(message);
    if (initialize) release(m.id as Id);
    if (!("method" in m)) answered(m.id);
  };
  // Errors of sends are answered where they are caught; this sees the rest (GET stream, reconnections).
  const sendErrors = new WeakSet<object>();
  const onerror = (err: Error) => {
    if (closing || sendErrors.has(err)) return;
    // send() reports here before it rejects; by the next macrotask its caller has claimed the error.
    setImmediate(() => {
      if (!closing && !sendErrors.has(err)) log(formatRemoteError(describeRemoteError(options.url, err, tokenGiven)));
    });
  };
  transport.onmessage = onmessage;
  transport.onerror = onerror;
  await transport.start();

  /**
   * The server answered 404 for our session: it restarted (or expired the session). Clients such as Claude Desktop
   * keep the bridge for their whole run, so instead of failing every later call, start a new session the way the
   * client started the first one, and tell the client its lists may have changed.
   */
  const renewSession = async (): Promise<void> => {
    const old = transport;
    old.onerror = () => {};
    old.onmessage = () => {};
    await old.close().catch(() => undefined);
    transport = await createRemoteTransport(options);
    transport.onmessage = onmessage;
    transport.onerror = onerror;
    await transport.start();
    const id = `${BRIDGE_ID_PREFIX}${++ownIds}`;
    const answer = new Promise<Message>((resolve, reject) => {
      ownRequests.set(id, resolve);
      setTimeout(() => reject(new Error("the server did not answer initialize for a new session")), DRAIN_TIMEOUT_MS).unref();
    });
    await transport.send({ ...clientInitialize, id } as JSONRPCMessage);
    const result = (await answer).result as { protocolVersion?: unknown; capabilities?: Record<string, { listChanged?: boolean } | undefined> } | undefined;
    if (!result) throw new Error("the server refused to start a new session");
    if (typeof result.protocolVersion === "string") transport.setProtocolVersion(result.protocolVersion);
    if (clientInitialized) await transport.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    log(`${options.url} no longer knew the session (did the server restart?): started a new one.`);
    for (const list of ["tools", "prompts", "resources"]) {
      if (result.capabilities?.[list]?.listChanged) write({ jsonrpc: "2.0", method: `notifications/${list}/list_changed` });
    }
  };

  /** Sends, renewing the session once if the server has forgotten it. */
  const send = async (message: Message | Message[], isInit: boolean): Promise<void> => {
    try {
      await transport.send(message as JSONRPCMessage);
    } catch (err) {
      if (isInit || !clientInitialize || !sessionGone(err)) throw err;
      if (err && typeof err === "object") sendErrors.add(err);
      recovering ??= renewSession().finally(() => (recovering = undefined));
      await recovering;
      await transport.send(message as JSONRPCMessage);
    }
  };

  const lines = createInterface({ input, crlfDelay: Infinity });
  let fatal: UserError | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const forward = async (message: Message | Message[]) => {
    const batch = Array.isArray(message) ? message : [message];
    for (const m of batch) if (isRequest(m)) pending.add(m.id as Id);
    const init = batch.find((m) => m.method === "initialize" && isRequest(m));
    // A client that pipelines (sends before the initialize answer arrives) must not reach the server sessionless.
    if (init) {
      initialized = new Promise((resolve) => initializing.set(init.id as Id, resolve));
      clientInitialize = init;
    } else await initialized;
    if (batch.some((m) => m.method === "notifications/initialized")) clientInitialized = true;
    await recovering;
    try {
      await send(message, Boolean(init));
    } catch (err) {
      if (err && typeof err === "object") sendErrors.add(err);
      if (closing) return;
      const failure = describeRemoteError(options.url, err, tokenGiven);
      // Every request in the message gets an answer, so the client does not wait for one that will never come.
      for (const m of batch) {
        if (!isRequest(m)) continue;
        write({ jsonrpc: "2.0", id: m.id, error: { code: BRIDGE_ERROR, message: failure.message, data: { hint: failure.hint } } });
        answered(m.id);
      }
      if (init) {
        release(init.id as Id);
        // Reported once, by the caller, as the bridge's exit error.
        fatal = failure;
        lines.close();
      } else log(formatRemoteError(failure));
    }
  };

  lines.on("line", (line) => {
    if (!line.trim()) return;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch (err) {
      write({ jsonrpc: "2.0", id: null, error: { code: PARSE_ERROR, message: `Parse error: ${(err as Error).message}` } });
      return;
    }
    if (!message || typeof message !== "object") {
      write({ jsonrpc: "2.0", id: null, error: { code: -32600, message: "Invalid Request: expected a JSON-RPC object or batch" } });
      return;
    }
    void forward(message as Message | Message[]);
  });
  lines.on("close", finish);
  // The client may close its end of stdout first; then nothing more can be delivered.
  let outputClosed = false;
  output.on("error", () => {
    outputClosed = true;
    lines.close();
    drained?.();
  });

  await finished;
  if (!fatal && !outputClosed && pending.size > 0) {
    await new Promise<void>((resolve) => {
      drained = resolve;
      setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
    });
  }
  if (!fatal) {
    // The client is gone: end the remote session (DELETE) so the server can free it, but never wait long.
    const timer = new Promise<void>((resolve) => setTimeout(resolve, TERMINATE_TIMEOUT_MS).unref());
    await Promise.race([transport.terminateSession().catch(() => undefined), timer]);
  }
  closing = true;
  await transport.close();
  // Stop reading so an open stdin (the initialize failure case) does not keep the process alive.
  (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  if (fatal) throw fatal;
}
