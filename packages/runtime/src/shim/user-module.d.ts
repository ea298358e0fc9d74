/** The user's bundle, present only inside the isolate (see worker/isolates/loader.ts). */
declare module "*/user.js" {
  const mod: unknown;
  export default mod;
}

/** workerd's AsyncLocalStorage (compat flag `nodejs_als`); only what the shim uses. */
declare module "node:async_hooks" {
  export class AsyncLocalStorage<T> {
    getStore(): T | undefined;
    run<R>(store: T, callback: () => R): R;
  }
}
