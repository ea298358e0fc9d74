/** Builds the commander program from the command list and turns every failure into a message and an exit code. */
import { Command, CommanderError } from "commander";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { UserError } from "@aerostack/runtime";
import { commands } from "./commands/index";
import type { CommandDefinition, GlobalOptions } from "./core/command";
import { createOutput } from "./core/output";
import { adoptEarlySignals } from "./core/signals";

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

function isInteractive(): boolean {
  return process.stdin.isTTY === true && process.stdout.isTTY === true && !process.env.CI;
}

function register(program: Command, def: CommandDefinition<never>, setExit: (code: number) => void): void {
  let parent = program;
  for (const word of def.path.slice(0, -1)) {
    parent = parent.commands.find((c) => c.name() === word) ?? parent.command(word).description(`${word} commands`);
  }
  const cmd = parent.command(def.path.at(-1)!).description(def.description);
  for (const arg of def.args ?? []) cmd.argument(arg);
  for (const opt of def.options ?? []) {
    // Repeated rather than variadic (`--tool <t...>`): a variadic option would swallow the arguments after it.
    if (opt.repeatable) cmd.option(opt.flags, opt.description, (value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
    else cmd.option(opt.flags, opt.description, opt.default as never);
  }
  if (def.examples?.length) cmd.addHelpText("after", `\nExamples:\n${def.examples.map((e) => `  $ ${e}`).join("\n")}`);
  cmd.action(async (...received: unknown[]) => {
    const self = received.at(-1) as Command;
    const all = self.optsWithGlobals() as Record<string, unknown>;
    const globals: GlobalOptions = {
      json: all.json === true,
      debug: all.debug === true,
      cwd: resolve(typeof all.cwd === "string" ? all.cwd : process.cwd()),
      ...(typeof all.config === "string" ? { config: all.config } : {}),
    };
    const out = createOutput(globals);
    if (!def.handlesSignals) adoptEarlySignals();
    const args = received.slice(0, -2).map((a) => a as string);
    const code = await def.handler({ args, options: self.opts() as never, globals, out, interactive: isInteractive() });
    setExit(typeof code === "number" ? code : EXIT_OK);
  });
}

export async function run(argv: string[]): Promise<number> {
  let exitCode = EXIT_OK;
  const program = new Command("aerostack")
    .version(version, "-v, --version")
    .description("Build, run and deploy functions, MCP servers, skills and workflows — locally first.")
    .option("--json", "print machine-readable JSON on stdout")
    .option("--cwd <dir>", "run as if started in <dir>")
    .option("--config <path>", "path to aerostack.toml (default: ./aerostack.toml)")
    .option("--debug", "show stack traces and debug output")
    .showSuggestionAfterError(true)
    .exitOverride();
  for (const def of commands) register(program, def as CommandDefinition<never>, (c) => (exitCode = c));

  const debug = argv.includes("--debug");
  const json = argv.includes("--json");
  const out = createOutput({ json, debug });
  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version "errors" are successes; everything else commander reports is a usage error.
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.code === "commander.help") return EXIT_OK;
      return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
    }
    if (err instanceof UserError) {
      if (json) process.stdout.write(`${JSON.stringify({ error: { name: err.name, message: err.message, hint: err.hint } }, null, 2)}\n`);
      out.error(err.message);
      if (err.hint) process.stderr.write(`  ${out.color.dim("→")} ${err.hint}\n`);
      if (debug && err.stack) process.stderr.write(`${err.stack}\n`);
      return err.exitCode;
    }
    // Prompts cancelled with Ctrl-C end quietly.
    if (err instanceof Error && err.name === "ExitPromptError") return EXIT_FAILURE;
    out.error(`Unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    else process.stderr.write("  Run again with --debug for the stack trace, and report it if it persists.\n");
    return EXIT_FAILURE;
  }
}
