/** Watches what a dev session's code is built from (the bundle's inputs, aerostack.toml, .dev.vars, migrations). */
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";

export type ChangeKind = "source" | "config" | "secrets" | "migrations";

export interface SourceWatcherOptions {
  root: string;
  /** Absolute path of aerostack.toml. */
  configFile: string;
  /** Absolute path of .dev.vars. */
  devVarsFile: string;
  /** Absolute path of the migrations folder (it may not exist yet). */
  migrationsDir: string;
  /** Called once per relevant event; `path` is relative to the root (`/`-separated). */
  onChange(path: string, kind: ChangeKind): void;
}

/** Files a failing build may be looking for (the loaders esbuild applies): anything else cannot fix it. */
const SOURCE_FILE = /\.(?:[cm]?[jt]sx?|json|wasm|txt)$/;

/**
 * Why folders, not files, are watched: an editor that saves by writing a temporary file and renaming it over the old
 * one (vim, JetBrains, `sed -i`) replaces the file's inode, and a watch on the old inode sees nothing after that.
 * A folder's watch reports every name created, renamed or written in it, so each save is seen however it is written.
 *
 * Why only the bundle's inputs reload: writes to `.vscode/`, `.cursor/`, build output, temp folders and editor swap
 * or backup files are not inputs, so they are ignored without a deny-list to keep up to date. While the last build
 * failed its inputs are unknown (a missing import is not among the old ones), so any source file in a watched folder
 * triggers a build then.
 */
export class SourceWatcher {
  readonly #options: SourceWatcherOptions;
  readonly #folders = new Map<string, FSWatcher>();
  #inputs = new Set<string>();
  #lastBuildFailed = false;
  #closed = false;

  constructor(options: SourceWatcherOptions) {
    this.#options = options;
    this.#watchFolder(options.root);
    this.#watchFolder(dirname(options.configFile));
    this.#watchFolder(dirname(options.devVarsFile));
    this.#watchFolder(options.migrationsDir);
  }

  /**
   * The files the last build read (absolute or root-relative paths), or null when it failed (the previous inputs
   * stay watched). Dependencies under node_modules are left out: they change with an install, not a save.
   */
  setInputs(inputs: readonly string[] | null): void {
    if (this.#closed) return;
    this.#lastBuildFailed = inputs === null;
    if (inputs === null) return;
    const next = new Set<string>();
    for (const input of inputs) {
      const path = resolve(this.#options.root, input);
      if (path.split(/[\\/]/).includes("node_modules")) continue;
      next.add(path);
    }
    this.#inputs = next;
    const wanted = new Set([this.#options.root, dirname(this.#options.configFile), dirname(this.#options.devVarsFile), this.#options.migrationsDir]);
    for (const path of next) wanted.add(dirname(path));
    for (const [folder, watcher] of this.#folders) {
      if (!wanted.has(folder)) {
        watcher.close();
        this.#folders.delete(folder);
      }
    }
    for (const folder of wanted) this.#watchFolder(folder);
  }

  close(): void {
    this.#closed = true;
    for (const watcher of this.#folders.values()) watcher.close();
    this.#folders.clear();
  }

  #watchFolder(folder: string): void {
    if (this.#closed || this.#folders.has(folder)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(folder, (_event, name) => {
        if (name) this.#changed(join(folder, name.toString()));
      });
    } catch {
      // Not there (yet): a migrations folder made later is picked up by the watch on its parent.
      return;
    }
    // A folder deleted or renamed away ends its watch; the next build's inputs watch its replacement.
    watcher.on("error", () => {
      watcher.close();
      if (this.#folders.get(folder) === watcher) this.#folders.delete(folder);
    });
    this.#folders.set(folder, watcher);
  }

  #changed(path: string): void {
    const o = this.#options;
    const rel = relative(o.root, path).split(/[\\/]/).join("/");
    if (path === o.migrationsDir) {
      // Made (or moved in) after start: watch it from now on, and apply whatever it already holds.
      this.#watchFolder(path);
      o.onChange(rel, "migrations");
      return;
    }
    if (path === o.configFile) o.onChange(rel, "config");
    else if (path === o.devVarsFile) o.onChange(rel, "secrets");
    else if (dirname(path) === o.migrationsDir && path.endsWith(".sql")) o.onChange(rel, "migrations");
    else if (this.#inputs.has(path)) o.onChange(rel, "source");
    else if (this.#lastBuildFailed && SOURCE_FILE.test(path) && !basename(path).startsWith(".")) o.onChange(rel, "source");
  }
}
