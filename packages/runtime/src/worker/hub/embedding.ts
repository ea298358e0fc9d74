/** The Hub's embeddings of manifests: one vector per package in the Hub's own index, through env.AI and env.VECTORIZE. */
import { LOCAL_EMBEDDING_DIMENSIONS } from "../../shared/ai";
import type { ManifestTool } from "../../shared/hub";
import type { BindingExports } from "../isolates/loader";
import { embeddingText } from "./search";

/** The Hub's own tenant for env.AI and env.VECTORIZE. */
const HUB_TENANT = "aerostack-hub";
const HUB_INDEX = { binding: "VECTORIZE", index: "packages", dimensions: LOCAL_EMBEDDING_DIMENSIONS, metric: "cosine" as const };

export function hubBindings(exports: unknown) {
  const scoped = exports as BindingExports;
  return {
    ai: scoped.ScopedAI({ props: { project: HUB_TENANT } }) as unknown as { embed(w: { input: string[] }): Promise<{ vectors: number[][] }> },
    vectorize: scoped.ScopedVectorize({ props: { project: HUB_TENANT, ...HUB_INDEX } }) as unknown as {
      upsert(b: { ids: string[]; values: Float32Array; namespaces: (string | null)[]; metadata: (string | null)[] }): Promise<unknown>;
      query(v: Float32Array, o: { topK: number }): Promise<{ matches: { id: string; score: number }[] }>;
    },
  };
}

/** Embeds a package's searchable text. A failure leaves word search working, so it is logged, never thrown. */
export async function embedPackage(exports: unknown, doc: { name: string; description: string; summary: string; tools: ManifestTool[] }): Promise<void> {
  try {
    const { ai, vectorize } = hubBindings(exports);
    const { vectors } = await ai.embed({ input: [embeddingText(doc)] });
    await vectorize.upsert({ ids: [doc.name], values: new Float32Array(vectors[0]!), namespaces: [null], metadata: [null] });
  } catch (err) {
    console.warn(`hub: embedding ${doc.name} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}
