/**
 * `require` with a V8 code cache for every CommonJS module it loads. Node 20 has no compile cache
 * (`module.enableCompileCache` came in Node 22), and start-up time is a goal: compiling Miniflare with its
 * dependencies, or the CLI's own bundle, costs tens of milliseconds at every `aerostack dev`. While `requireCached`
 * runs, each module is compiled with `vm.Script` from the cached data of its last load, as Node's loader would
 * otherwise do without it; anything that fails falls back to Node's own compile.
 *
 * The cache is one file per name and loaded copy, in a folder the user owns (never a shared temp dir: a planted cache would be code
 * we run), keyed by Node's version and the architecture, since V8 rejects a cache from another build. Each module's
 * entry is keyed by its size and modification time: V8 only checks a source's length, not its text.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import Module, { createRequire } from "node:module";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { Script } from "node:vm";

interface ModuleStatics {
  _extensions: Record<string, unknown>;
  _cache: Record<string, Module>;
  _resolveFilename(request: string, parent: Module, isMain: boolean, options?: { paths?: string[] }): string;
  _resolveLookupPaths(request: string, parent: Module): string[] | null;
}
interface CompilingModule extends Module {
  _compile(content: string, filename: string): unknown;
}
interface Stored {
  key: string;
  data: Buffer;
}

const statics = Module as unknown as ModuleStatics;
const proto = Module.prototype as unknown as CompilingModule;

/** One file per loaded copy (`from` and `id`): two installs of the CLI would otherwise rewrite each other's. */
function cacheFile(name: string, from: string, id: string): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  const copy = createHash("sha256").update(`${from}\0${id}`).digest("hex").slice(0, 12);
  return join(base, "aerostack", `${name}-${copy}-node${process.versions.node}-${process.arch}.v8cache`);
}

/** The file's entries: a 4-byte length, a JSON index `[filename, key, length][]`, then the cached data in order. */
function readCache(file: string): Map<string, Stored> {
  const out = new Map<string, Stored>();
  try {
    const buf = readFileSync(file);
    const indexLength = buf.readUInt32LE(0);
    const index = JSON.parse(buf.subarray(4, 4 + indexLength).toString("utf8")) as [string, string, number][];
    let offset = 4 + indexLength;
    for (const [filename, key, length] of index) {
      out.set(filename, { key, data: buf.subarray(offset, offset + length) });
      offset += length;
    }
  } catch {
    // No cache yet, or an unreadable one: everything compiles, and the file is written anew.
  }
  return out;
}

function writeCache(file: string, entries: Map<string, Stored>): void {
  try {
    const index = [...entries].map(([filename, { key, data }]) => [filename, key, data.length]);
    const head = Buffer.from(JSON.stringify(index), "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32LE(head.length, 0);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, Buffer.concat([length, head, ...[...entries.values()].map((e) => e.data)]), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    // A read-only home is fine: the next start compiles again.
  }
}

/** The `require` Node gives a module's code (lib/internal/modules/helpers.js makeRequireFunction). */
function requireFor(mod: Module): NodeJS.Require {
  const require = ((id: string) => mod.require(id)) as NodeJS.Require;
  const resolve = ((request: string, options?: { paths?: string[] }) => statics._resolveFilename(request, mod, false, options)) as NodeJS.RequireResolve;
  resolve.paths = (request: string) => statics._resolveLookupPaths(request, mod);
  require.resolve = resolve;
  require.main = process.mainModule;
  require.extensions = statics._extensions as NodeJS.Require["extensions"];
  require.cache = statics._cache;
  return require;
}

/**
 * `require(id)` from the file `from`, with the CommonJS modules it loads (and they load) compiled from the code
 * cache `name`. The cache is rewritten when a module had none or V8 rejected it, holding every function compiled
 * by the end of the load, so the next start skips those compiles too.
 */
export function requireCached<T>(from: string, id: string, name: string): T {
  const file = cacheFile(name, from, id);
  const stored = readCache(file);
  const compiled = new Map<string, { key: string; script: Script }>();
  let stale = false;
  const original = proto._compile;
  proto._compile = function (this: Module, content: string, filename: string) {
    let key: string;
    try {
      const info = statSync(filename);
      key = `${info.size}:${info.mtimeMs}`;
    } catch {
      return original.call(this, content, filename);
    }
    const hit = stored.get(filename);
    const cachedData = hit?.key === key ? hit.data : undefined;
    // A hashbang is only valid at the very start of a script, and the wrapper goes before it.
    const source = content.startsWith("#!") ? `//${content}` : content;
    // No `importModuleDynamically`: V8 drops it from code read back from a cache, so an `import()` in such a module
    // fails (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING). What is loaded here must not call `import()` (scripts/build.mjs
    // bundles the CLI's dynamic imports; Miniflare has none).
    const script = new Script(Module.wrap(source), { filename, ...(cachedData ? { cachedData } : {}) });
    if (!cachedData || script.cachedDataRejected) stale = true;
    compiled.set(filename, { key, script });
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this), this, filename, dirname(filename));
  };
  try {
    return createRequire(from)(id) as T;
  } finally {
    proto._compile = original;
    if (stale) {
      const next = new Map<string, Stored>();
      for (const [filename, { key, script }] of compiled) next.set(filename, { key, data: script.createCachedData() });
      writeCache(file, next);
    }
  }
}
