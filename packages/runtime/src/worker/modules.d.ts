/** Modules the build provides (scripts/build.mjs). */
declare module "aerostack:shim-source" {
  const source: string;
  export default source;
}

/** Compiled WebAssembly modules shipped beside the platform worker (scripts/build.mjs), e.g. ./vector-kernel.wasm. */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

/** Every template's text files, by template name and path (scripts/build.mjs): the platform MCP server's `scaffold`. */
declare module "aerostack:templates" {
  const templates: Record<string, Record<string, string>>;
  export default templates;
}
