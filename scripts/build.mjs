// Builds every package with esbuild: the user-isolate shim, the platform worker (with the shim inlined),
// the Node host, and the CLI. Runs on `npm install` (prepare) and before tests, so a fresh clone just works.
// `--if-stale` (the tests' global setup) skips the build when no source changed since the last one.
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { mkdir, readFile, readdir, rm, stat, writeFile } from "node:fs/promises";
import { Buffer } from "node:buffer";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const runtime = join(root, "packages/runtime");
const cli = join(root, "packages/cli");
const started = Date.now();
// When the last build started; kept out of dist/ so it is never packed. Outside git, like dist/ itself.
const STAMP = join(root, "node_modules/.cache/aerostack-build.json");
// What the build reads besides dependencies (a dependency change comes with `npm install`, which rebuilds).
const INPUTS = [join(runtime, "src"), join(cli, "src"), join(root, "packages/templates"), fileURLToPath(import.meta.url), join(root, "package-lock.json")];
const OUTPUTS = [join(runtime, "dist/worker/platform.js"), join(runtime, "dist/mcp/index.js"), join(runtime, "dist/host/index.js"), join(cli, "dist/cli.cjs"), join(runtime, "dist/host/startup/code-cache.js")];

/** The newest modification time under `path` (tests excluded: they are not built), or 0 when it is missing. */
async function newestMtime(path) {
  const info = await stat(path).catch(() => null);
  if (!info) return 0;
  if (!info.isDirectory()) return /\.test\.ts$/.test(path) ? 0 : info.mtimeMs;
  const entries = await readdir(path);
  return Math.max(info.mtimeMs, ...(await Promise.all(entries.map((e) => newestMtime(join(path, e))))));
}

/** True when every output exists and no input changed since the last build started. */
async function upToDate() {
  const last = JSON.parse(await readFile(STAMP, "utf8").catch(() => "{}")).startedAt ?? 0;
  const outputs = await Promise.all(OUTPUTS.map((o) => stat(o).then(() => true, () => false)));
  if (!last || outputs.includes(false)) return false;
  const newest = Math.max(...(await Promise.all(INPUTS.map(newestMtime))));
  return newest < last;
}

if (process.argv.includes("--if-stale") && (await upToDate())) process.exit(0);
// Loaded only now: the up-to-date check above should cost no more than reading a few hundred file dates.
const { build } = await import("esbuild");
// Bundled CommonJS dependencies (commander) call require() for Node built-ins; ESM output needs one to call.
const NODE_REQUIRE_BANNER = { js: 'import { createRequire as __aerostackCreateRequire } from "node:module"; const require = __aerostackCreateRequire(import.meta.url);' };
const HOST_EXTERNAL = ["miniflare", "esbuild", "@modelcontextprotocol/*", "@inquirer/*", "@aerostack/templates"];

await Promise.all([rm(join(runtime, "dist"), { recursive: true, force: true }), rm(join(cli, "dist"), { recursive: true, force: true })]);

// 1. The shim that wraps user code inside its isolate; `./user.js` is the user's bundle, beside it in the isolate.
const shim = await build({
  entryPoints: [join(runtime, "src/shim/entry.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  external: ["cloudflare:*", "node:*", "./user.js"],
  write: false,
  logLevel: "warning",
});
const shimSource = shim.outputFiles[0].text;

// 1b. The dashboard UI (packages/runtime/src/dashboard-ui: Preact + htm), minified JavaScript and CSS that the
// platform worker serves from memory at /dashboard: inlined, so the package needs no asset folder and no CDN.
const dashboardAssets = await (async () => {
  const out = await build({
    entryPoints: [join(runtime, "src/dashboard-ui/main.ts")],
    outdir: join(runtime, "dashboard-ui-out"),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: ["es2020", "chrome100", "firefox100", "safari15"],
    write: false,
    logLevel: "warning",
  });
  const js = out.outputFiles.find((f) => f.path.endsWith(".js")).text;
  const css = out.outputFiles.find((f) => f.path.endsWith(".css"))?.text ?? "";
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256").update(js).update(css).digest("hex").slice(0, 12);
  return JSON.stringify({ js, css, hash });
})();
const DASHBOARD_ASSETS_PLUGIN = {
  name: "aerostack-dashboard-assets",
  setup(b) {
    b.onResolve({ filter: /^aerostack:dashboard-assets$/ }, () => ({ path: "dashboard-assets", namespace: "aerostack-dashboard" }));
    b.onLoad({ filter: /.*/, namespace: "aerostack-dashboard" }, () => ({ contents: dashboardAssets, loader: "json" }));
  },
};

// 2. The platform worker, with the shim's source inlined as a string module.
await build({
  entryPoints: [join(runtime, "src/worker/index.ts")],
  outfile: join(runtime, "dist/worker/platform.js"),
  // Minified: workerd parses this at every start, and start-up time is a goal.
  minify: !process.env.AEROSTACK_NO_MINIFY,
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  conditions: ["workerd", "worker", "browser"],
  // *.wasm: compiled modules shipped beside platform.js (2b below); workerd links them, nothing compiles at run time.
  external: ["cloudflare:*", "node:*", "*.wasm"],
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [
    {
      name: "aerostack-shim-source",
      setup(b) {
        b.onResolve({ filter: /^aerostack:shim-source$/ }, () => ({ path: "shim-source", namespace: "aerostack" }));
        b.onLoad({ filter: /^shim-source$/, namespace: "aerostack" }, () => ({ contents: shimSource, loader: "text" }));
      },
    },
    {
      // The templates' files, for the platform MCP server's `scaffold` tool (worker/platform-mcp/scaffold.ts).
      name: "aerostack-templates",
      setup(b) {
        b.onResolve({ filter: /^aerostack:templates$/ }, () => ({ path: "templates", namespace: "aerostack" }));
        b.onLoad({ filter: /^templates$/, namespace: "aerostack" }, async () => ({ contents: JSON.stringify(await templateFiles()), loader: "json" }));
      },
    },
    DASHBOARD_ASSETS_PLUGIN,
  ],
});

/** Every template's text files by template and path (node_modules, dist and lock files left out, as `aerostack init` does). */
async function templateFiles() {
  const dir = join(root, "packages/templates");
  const out = {};
  const skip = new Set(["node_modules", "dist", ".aerostack", "package-lock.json"]);
  const walk = async (base, rel, files) => {
    for (const entry of await readdir(join(base, rel), { withFileTypes: true })) {
      if (skip.has(entry.name)) continue;
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(base, path, files);
      else files[path] = await readFile(join(base, path), "utf8");
    }
  };
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !(await stat(join(dir, entry.name, "aerostack.toml")).catch(() => null))) continue;
    await walk(join(dir, entry.name), "", (out[entry.name] = {}));
  }
  return out;
}

// 2b. VECTORIZE's SIMD scan kernel: assembled by kernel-wasm.ts, written beside platform.js as a compiled module.
{
  const kernelSource = await build({
    entryPoints: [join(runtime, "src/worker/bindings/vectorize/kernel-wasm.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    write: false,
    logLevel: "warning",
  });
  const { vectorKernelWasm } = await import(`data:text/javascript;base64,${Buffer.from(kernelSource.outputFiles[0].text).toString("base64")}`);
  await writeFile(join(runtime, "dist/worker/vector-kernel.wasm"), vectorKernelWasm());
}

// 2c. `@aerostack/runtime/mcp` (serveMcp), imported by user code and bundled again into it by esbuild. The SDK
// stays external so the user's bundle holds one copy of it, shared with the McpServer the user builds.
await build({
  entryPoints: [join(runtime, "src/mcp/index.ts")],
  outfile: join(runtime, "dist/mcp/index.js"),
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // zod too: serveTools reads the user's zod schemas, and one copy of zod in the user's bundle is both smaller and safer.
  external: ["@modelcontextprotocol/sdk", "@modelcontextprotocol/sdk/*", "zod", "zod/*"],
  sourcemap: "linked",
  logLevel: "warning",
});

// 3. The Node host (config, bundling, Miniflare) and its testing entry; the code-cache loader as an entry of its own,
// small, for bin/aerostack.js to load before the CLI.
await build({
  entryPoints: [join(runtime, "src/host/index.ts"), join(runtime, "src/host/testing.ts"), join(runtime, "src/shared/env.ts"), join(runtime, "src/host/startup/code-cache.ts")],
  outdir: join(runtime, "dist"),
  outbase: join(runtime, "src"),
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // Small pure-JS dependencies (zod, smol-toml) are bundled: one file loads far faster than Node resolving and
  // linking their dozens of modules at every CLI start. Packages with binaries, their own loaders, or sheer size
  // stay external.
  external: HOST_EXTERNAL,
  banner: NODE_REQUIRE_BANNER,
  sourcemap: "linked",
  logLevel: "warning",
});

// 4. The CLI, with the host code bundled in (the runtime package still resolves for its files: the platform worker,
// templates, `@aerostack/runtime/mcp` for user code). CommonJS, so that bin/aerostack.js loads it from a V8 code
// cache (Node 20 has none for ES modules): compiling ~1 MB of JavaScript is otherwise part of every start.
await build({
  entryPoints: [join(cli, "src/index.ts")],
  outfile: join(cli, "dist/cli.cjs"),
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  // commander and chalk are bundled for the same reason as zod above. The MCP SDK and the prompts stay external:
  // they are import()ed on first use, through bin/aerostack.js (startup/esm-import.ts says why).
  external: HOST_EXTERNAL,
  // The host finds its package (and Miniflare, esbuild) from its own file: here, the bundle's.
  define: { "import.meta.url": "__aerostackModuleUrl" },
  banner: { js: 'var __aerostackModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  sourcemap: "linked",
  logLevel: "warning",
});

await mkdir(dirname(STAMP), { recursive: true });
await writeFile(STAMP, JSON.stringify({ startedAt: started }));

if (!process.env.AEROSTACK_QUIET_BUILD) console.log(`aerostack: built packages in ${Date.now() - started} ms`);
