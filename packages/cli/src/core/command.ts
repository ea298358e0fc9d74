/** A command is an object in its own file; `commands/index.ts` lists them and `program.ts` registers the paths. */
import type { Output } from "./output";

export interface GlobalOptions {
  json: boolean;
  cwd: string;
  config?: string;
  debug: boolean;
}

export interface CommandContext<O> {
  args: string[];
  options: O;
  globals: GlobalOptions;
  out: Output;
  /** True when prompts may be shown: a TTY on stdin and stdout, and CI is not set. */
  interactive: boolean;
}

export interface OptionSpec {
  /** Commander flag syntax, e.g. "--port <port>" or "--no-install". */
  flags: string;
  description: string;
  default?: string | boolean;
  /** May be given more than once (`--header A=1 --header B=2`): the values arrive as an array, in order. */
  repeatable?: boolean;
}

export interface CommandDefinition<O = Record<string, unknown>> {
  /** Words of the command path, e.g. ["db", "migrate"]. */
  path: string[];
  description: string;
  /** Commander argument syntax, e.g. ["[dir]"] or ["<sql>"]. */
  args?: string[];
  options?: OptionSpec[];
  /** Lines shown under "Examples:" in --help. */
  examples?: string[];
  /** The handler stops gracefully on SIGINT/SIGTERM/SIGHUP itself, and adopts those that came while loading. */
  handlesSignals?: boolean;
  /**
   * Resolves when the command is done; long-running commands resolve when stopped. A number is the exit code, for
   * commands that print a complete result and still fail (a tool that returned isError); otherwise 0.
   */
  handler(ctx: CommandContext<O>): Promise<void | number>;
}

export function defineCommand<O>(definition: CommandDefinition<O>): CommandDefinition<O> {
  return definition;
}
