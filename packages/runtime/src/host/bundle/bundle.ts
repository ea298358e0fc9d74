/** Bundles a project's entry with esbuild (TypeScript, source maps), incrementally, for dev reloads and builds. */
import { context, formatMessages, type BuildContext, type Message } from "esbuild";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { UserError } from "../errors";
import { runtimeNodePaths } from "../platform/paths";
import { entryPlugin, GENERATED_ENTRY, skillEntry, type GeneratedEntry } from "./entries";
import { SKILL_FILE } from "../../shared/skills";

export interface BundleOk {
  ok: true;
  code: string;
  /** Source map whose `sources` are relative to the project root (`src/index.ts`). */
  sourceMap: string;
  /** Content hash: the same code deploys as the same version. */
  hash: string;
  /** Project-relative paths of every file the bundle read, for watching. */
  inputs: string[];
  /** The entry module's export names. */
  exports: string[];
  durationMs: number;
}

export interface BundleFailed {
  ok: false;
  /** esbuild's messages with file, line and column, without colour (for error pages). */
  message: string;
  /** The same, coloured for a terminal. */
  coloredMessage: string;
}

export type BundleResult = BundleOk | BundleFailed;

export interface Bundler {
  build(): Promise<BundleResult>;
  dispose(): Promise<void>;
}

export interface BundlerOptions {
  /** Project root (the folder of aerostack.toml). */
  root: string;
  /** Entry file, relative to root. */
  entry: string;
  minify?: boolean;
  /**
   * The project's `type`. A skill's module is generated around SKILL.md (and its optional function); a function that
   * exports `tools` gets a generated default export serving them at /mcp beside its own routes.
   */
  type?: string;
}

/** The bundle is written nowhere (write: false); this path only anchors source-map paths. */
const OUT_FILE = ".aerostack/build/user.js";

export async function createBundler(options: BundlerOptions): Promise<Bundler> {
  const entryPath = resolve(options.root, options.entry);
  if (options.type === "skill") {
    if (!existsSync(join(options.root, SKILL_FILE))) {
      throw new UserError(`A skill project needs ${SKILL_FILE} in ${options.root}.`, {
        hint: "Create it (front matter with name, description and input_schema, then the prompt), or start from `aerostack init <name> --template skill`.",
      });
    }
    return esbuildBundler(options, skillEntry(options.root, options.entry));
  }
  if (!existsSync(entryPath)) {
    throw new UserError(`Entry file ${options.entry} does not exist in ${options.root}.`, {
      hint: `Create it, or point \`main\` in aerostack.toml at your entry file.`,
    });
  }
  const plain = await esbuildBundler(options, null);
  if (options.type !== undefined && options.type !== "function") return plain;
  // A function's bundle is checked for a `tools` export; only then is it built again around a generated entry.
  let withTools: Bundler | null = null;
  return {
    async build() {
      const result = await plain.build();
      if (!result.ok || !result.exports.includes("tools")) return result;
      withTools ??= await esbuildBundler(options, { kind: "tools", main: entryPath });
      const wrapped = await withTools.build();
      if (wrapped.ok) wrapped.durationMs += result.durationMs;
      return wrapped;
    },
    async dispose() {
      await Promise.all([plain.dispose(), withTools?.dispose()]);
    },
  };
}

/** One esbuild context: the project's entry as written, or a generated one around it. */
async function esbuildBundler(options: BundlerOptions, generated: GeneratedEntry | null): Promise<Bundler> {
  const entryPath = resolve(options.root, options.entry);
  const outfile = join(options.root, OUT_FILE);
  const ctx: BuildContext = await context({
    absWorkingDir: options.root,
    entryPoints: [generated ? GENERATED_ENTRY : entryPath],
    ...(generated ? { plugins: [entryPlugin(options.root, generated)] } : {}),
    outfile,
    bundle: true,
    write: false,
    metafile: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    // Workers resolve packages the way Wrangler does: worker-specific exports first, then browser builds.
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    external: ["cloudflare:*", "node:*"],
    // Packages the project has not installed (yet) resolve from the CLI's own copies: dev and build work offline.
    nodePaths: runtimeNodePaths(),
    sourcemap: "external",
    sourcesContent: true,
    minify: options.minify ?? false,
    keepNames: true,
    logLevel: "silent",
  });

  return {
    async build() {
      const started = performance.now();
      try {
        const result = await ctx.rebuild();
        const code = result.outputFiles?.find((f) => f.path.endsWith(".js"))?.text ?? "";
        const mapText = result.outputFiles?.find((f) => f.path.endsWith(".js.map"))?.text ?? "{}";
        const map = JSON.parse(mapText) as { sources: string[]; sourcesContent?: (string | null)[] };
        // esbuild writes sources relative to the (virtual) outfile's folder; make them project-relative.
        map.sources = map.sources.map((s) => (s.includes(":") ? s : relative(options.root, resolve(dirname(outfile), s))));
        // Dependencies' text stays out of the map: it is most of its size (the MCP SDK and zod: ~1.6 MB), which the
        // platform stores per deployment, and their positions alone still map stacks.
        map.sourcesContent = map.sourcesContent?.map((text, i) => (map.sources[i]?.includes("node_modules/") ? null : text));
        const inputs = Object.keys(result.metafile?.inputs ?? {}).filter((p) => !p.includes(":"));
        return {
          ok: true,
          code,
          sourceMap: JSON.stringify(map),
          hash: createHash("sha256").update(code).digest("hex").slice(0, 12),
          inputs,
          exports: Object.values(result.metafile?.outputs ?? {}).find((o) => o.entryPoint !== undefined)?.exports ?? [],
          durationMs: performance.now() - started,
        };
      } catch (err) {
        const errors = (err as { errors?: Message[] }).errors;
        if (!errors || errors.length === 0) throw err;
        const [plain, colored] = await Promise.all([
          formatMessages(errors, { kind: "error", color: false }),
          formatMessages(errors, { kind: "error", color: true }),
        ]);
        return { ok: false, message: plain.join("").trimEnd(), coloredMessage: colored.join("").trimEnd() };
      }
    },
    dispose: () => ctx.dispose(),
  };
}

/**
 * One build, for commands that bundle once (`build`, `deploy`): a failed build is a UserError with esbuild's
 * messages (file, line, column) and the command to run again once fixed.
 */
export async function bundleOnce(options: BundlerOptions & { command: string }): Promise<BundleOk> {
  const bundler = await createBundler(options);
  let bundle: BundleResult;
  try {
    bundle = await bundler.build();
  } finally {
    await bundler.dispose();
  }
  if (!bundle.ok) {
    throw new UserError(`Build failed:\n${bundle.message}`, { hint: `Fix the error above and run \`${options.command}\` again.` });
  }
  return bundle;
}
