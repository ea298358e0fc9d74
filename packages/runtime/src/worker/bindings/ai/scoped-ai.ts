/**
 * The AI binding's RPC entrypoint. The platform worker — never the user's isolate — resolves the model from the
 * project's settings, reads the provider key from the project's secrets, calls the provider (or the offline local
 * provider), and records every call in the project's usage log.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv, ProjectProps } from "../../env";
import { TenantIdSchema } from "../../../shared/protocol";
import { redactApiKeys } from "../../../shared/ai";
import type { AiRpc, ChatDelta, ChatRequestWire, ChatResult, ChatStreamLine, EmbedRequestWire, EmbedResult, Usage } from "../../../shared/wire/ai";
import { parseChatRequest, parseEmbedRequest } from "./request";
import { resolveModel, type Resolved } from "./resolve";
import { localChat, localChatStream } from "./local";
import { localEmbedding } from "./local-embed";
import { openai } from "./providers/openai";
import { anthropic } from "./providers/anthropic";
import { google } from "./providers/google";
import { AiCallError, estimateTokens, type AiErrorCode, type ProviderAdapter } from "./types";
import type { AiUsageEntry } from "./project-ai-usage";

const ADAPTERS: Record<"openai" | "anthropic" | "google", ProviderAdapter> = { openai, anthropic, google };

/** The error user code receives: the message only (RPC keeps no custom fields), the key never in it. */
function publicError(err: unknown, key: string | null): Error {
  const message = redactApiKeys(err instanceof Error ? err.message : String(err), [key]);
  if (err instanceof TypeError) return new TypeError(message);
  if (err instanceof RangeError) return new RangeError(message);
  return new Error(message);
}

function errorCode(err: unknown): AiErrorCode {
  if (err instanceof AiCallError) return err.code;
  if (err instanceof TypeError || err instanceof RangeError) return "invalid_request";
  return "internal";
}

function modelRef(resolved: Resolved): string {
  return `${resolved.provider}:${resolved.model}`;
}

function keyOf(resolved: Resolved): string | null {
  return resolved.kind === "local" ? null : resolved.target.apiKey;
}

export class ScopedAI extends WorkerEntrypoint<PlatformEnv, ProjectProps> implements AiRpc {
  /** `ctx.props` is set by the dispatcher and cannot be changed by user code: the only input choosing the tenant. */
  private project(): string {
    const project = this.ctx.props.project;
    if (!TenantIdSchema.safeParse(project).success) throw new Error("AI: this binding was created without a valid project");
    return project;
  }

  /** Appends to the usage log; a failure to record is logged, never the caller's error. */
  private async log(entry: Omit<AiUsageEntry, "member">): Promise<void> {
    const namespace = this.env.PROJECT_AI_USAGE;
    try {
      await namespace.get(namespace.idFromName(this.project())).record({ ...entry, member: null });
    } catch (err) {
      console.error(`AI usage log: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Records after the response, so recording never slows a call. */
  private record(entry: Omit<AiUsageEntry, "member">): void {
    this.ctx.waitUntil(this.log(entry));
  }

  private outcome(resolved: Resolved, operation: AiUsageEntry["operation"], started: number, usage: Usage | null, err?: unknown): Omit<AiUsageEntry, "member"> {
    return {
      at: started,
      operation,
      provider: resolved.provider,
      model: modelRef(resolved),
      inputTokens: usage?.inputTokens ?? 0,
      outputTokens: usage?.outputTokens ?? 0,
      latencyMs: Date.now() - started,
      status: err === undefined ? "ok" : "error",
      error: err === undefined ? null : errorCode(err),
    };
  }

  /** A call refused before it reached a provider (no key, unknown provider) is logged too, as an error. */
  private recordRefusal(err: unknown, operation: AiUsageEntry["operation"], started: number): void {
    if (!(err instanceof AiCallError) || !err.attempted) return;
    const { provider, model } = err.attempted;
    this.record({ at: started, operation, provider, model, inputTokens: 0, outputTokens: 0, latencyMs: Date.now() - started, status: "error", error: err.code });
  }

  /**
   * One call answered whole (chat, embed): resolve the model, run, log the outcome. A refusal before any provider
   * (no key, unknown provider) and a failed call are logged too, and the error the isolate sees is the public one.
   */
  private async call<Req extends { model?: string; timeoutMs?: number }, R extends { usage: Usage }>(
    operation: "chat" | "embed",
    parse: () => Req,
    run: (resolved: Resolved, request: Req) => R | Promise<R>,
  ): Promise<R> {
    const project = this.project();
    const begun = Date.now();
    let resolved: Resolved | undefined;
    try {
      const request = parse();
      resolved = await resolveModel(this.env, project, operation, request.model, request.timeoutMs);
      const started = Date.now();
      try {
        const result = await run(resolved, request);
        this.record(this.outcome(resolved, operation, started, result.usage));
        return result;
      } catch (err) {
        this.record(this.outcome(resolved, operation, started, null, err));
        throw err;
      }
    } catch (err) {
      this.recordRefusal(err, operation, begun);
      throw publicError(err, resolved ? keyOf(resolved) : null);
    }
  }

  chat(wire: ChatRequestWire): Promise<ChatResult> {
    return this.call("chat", () => parseChatRequest(wire), (resolved, request) =>
      resolved.kind === "local" ? localChat(request, resolved.model) : ADAPTERS[resolved.kind].chat(resolved.target, request),
    );
  }

  /**
   * Resolves once the provider accepted the request (a rejected key or exhausted retries throw here), then streams
   * one JSON line per delta. A failure mid-stream becomes an `error` line, which errors the user's stream.
   */
  async chatStream(wire: ChatRequestWire): Promise<ReadableStream<Uint8Array>> {
    const project = this.project();
    const begun = Date.now();
    let resolved: Resolved | undefined;
    let deltas: AsyncIterator<ChatDelta>;
    let started: number;
    try {
      const request = parseChatRequest(wire);
      resolved = await resolveModel(this.env, project, "chat", request.model, request.timeoutMs);
      started = Date.now();
      try {
        const iterable = resolved.kind === "local" ? localChatStream(request, resolved.model) : await ADAPTERS[resolved.kind].chatStream(resolved.target, request);
        deltas = (iterable as AsyncIterable<ChatDelta>)[Symbol.asyncIterator]?.() ?? (iterable as Iterable<ChatDelta>)[Symbol.iterator]();
      } catch (err) {
        this.record(this.outcome(resolved, "chat_stream", started, null, err));
        throw err;
      }
    } catch (err) {
      this.recordRefusal(err, "chat_stream", begun);
      throw publicError(err, resolved ? keyOf(resolved) : null);
    }
    const target = resolved;
    const encoder = new TextEncoder();
    const line = (value: ChatStreamLine) => encoder.encode(`${JSON.stringify(value)}\n`);
    let usage: Usage | null = null;
    let finished = false;
    // Awaited, not waitUntil: the stream outlives this RPC call, and its end is when the call is complete.
    const finish = async (err?: unknown) => {
      if (finished) return;
      finished = true;
      await this.log(this.outcome(target, "chat_stream", started, usage, err));
    };
    return new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        try {
          const next = await deltas.next();
          if (next.done) {
            await finish();
            controller.close();
            return;
          }
          if (next.value.type === "done") usage = next.value.usage;
          controller.enqueue(line(next.value));
        } catch (err) {
          await finish(err);
          controller.enqueue(line({ type: "error", message: publicError(err, keyOf(target)).message }));
          controller.close();
        }
      },
      cancel: async () => {
        await deltas.return?.();
        await finish(new AiCallError("cancelled", "the stream was cancelled"));
      },
    });
  }

  embed(wire: EmbedRequestWire): Promise<EmbedResult> {
    return this.call("embed", () => parseEmbedRequest(wire), (resolved, request) => {
      if (resolved.kind !== "local") return ADAPTERS[resolved.kind].embed(resolved.target, request);
      const inputTokens = request.input.reduce((sum, text) => sum + estimateTokens(text), 0);
      return {
        vectors: request.input.map((text) => localEmbedding(text, request.dimensions)),
        model: `local:${resolved.model}`,
        usage: { inputTokens, outputTokens: 0 },
      };
    });
  }
}
