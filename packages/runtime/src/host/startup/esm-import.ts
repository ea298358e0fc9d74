/**
 * `import()` for the packages the host and CLI load only when a command needs them (the MCP SDK, the prompts). Code
 * compiled from a V8 code cache (startup/code-cache.ts), as the CLI's bundle is, cannot call `import()` itself: V8
 * keeps no dynamic-import callback in cached code. So bin/aerostack.js, an ordinary ES module, lends its own `import`
 * under a well-known symbol; anywhere else (tests, the ES module build) this is a plain `import()`.
 */
const IMPORTER = Symbol.for("aerostack.import");

export function importModule<T>(specifier: string): Promise<T> {
  const lent = (globalThis as Record<symbol, ((specifier: string) => Promise<unknown>) | undefined>)[IMPORTER];
  return (lent ? lent(specifier) : import(specifier)) as Promise<T>;
}
