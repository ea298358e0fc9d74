/**
 * A Durable Object stub typed by the object's own method signatures, every result a promise. Workers' RPC types
 * map payloads structurally and turn `unknown`-typed fields (a definition's config, a node's output) into `never`;
 * the values themselves cross RPC unchanged (structured clone), so the class's own types are the true ones.
 */
export type Rpc<T, K extends keyof T> = {
  [M in K]: T[M] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
