/** Modules the build provides (scripts/build.mjs). */
declare module "aerostack:shim-source" {
  const source: string;
  export default source;
}

/** The dashboard UI (src/dashboard-ui), built and minified by scripts/build.mjs; `hash` names this build's assets. */
declare module "aerostack:dashboard-assets" {
  const assets: { js: string; css: string; hash: string };
  export default assets;
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
