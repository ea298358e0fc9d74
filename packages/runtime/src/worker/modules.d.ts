/** Modules the build provides (scripts/build.mjs). */
declare module "aerostack:shim-source" {
  const source: string;
  export default source;
}
