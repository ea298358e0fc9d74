/** Terminal output: colour only on a TTY without NO_COLOR, machine-readable JSON with --json, secrets never printed. */
import { Chalk, type ChalkInstance } from "chalk";

export interface Output {
  readonly json: boolean;
  readonly color: ChalkInstance;
  /** Human-readable line to stdout (suppressed in --json mode, where stdout is reserved for JSON). */
  info(message: string): void;
  /** Diagnostic line to stderr (always shown). */
  warn(message: string): void;
  error(message: string): void;
  /** Debug line to stderr, only with --debug. */
  debug(message: string): void;
  /** The command's result: JSON in --json mode, else the human rendering. */
  result(data: unknown, human?: () => void): void;
}

export function createOutput(options: { json: boolean; debug: boolean }): Output {
  const colorful = !process.env.NO_COLOR && process.stdout.isTTY === true && !options.json;
  const color = new Chalk({ level: colorful ? 1 : 0 });
  return {
    json: options.json,
    color,
    info: (m) => {
      if (!options.json) process.stdout.write(`${m}\n`);
    },
    warn: (m) => process.stderr.write(`${color.yellow("▲")} ${m}\n`),
    error: (m) => process.stderr.write(`${color.red("✘")} ${m}\n`),
    debug: (m) => {
      if (options.debug) process.stderr.write(`${color.gray(`[debug] ${m}`)}\n`);
    },
    result(data, human) {
      if (options.json) process.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      else if (human) human();
      else process.stdout.write(`${typeof data === "string" ? data : JSON.stringify(data, null, 2)}\n`);
    },
  };
}

/**
 * `text` with control characters shown as escapes (`\x1b`, `\x07`, `\x9b` …): lines that carry text from outside
 * (workerd's output, holding client names, methods and paths) never move the cursor, retitle the window or colour
 * the terminal. Tabs stay.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
