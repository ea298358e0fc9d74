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
