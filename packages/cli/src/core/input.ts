/** Values that must never be command-line arguments (secrets, keys): a hidden prompt on a TTY, else stdin. */
import { importModule, UsageError } from "@aerostack/runtime";
import type * as Prompts from "@inquirer/prompts";

/** All of stdin as text. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * A hidden value: prompted for (nothing echoed) when interactive; otherwise read from stdin, minus one trailing
 * newline (what `echo` adds). A terminal on stdin without a prompt (CI set) is an error naming stdin, never a hang.
 */
export async function readHiddenValue(options: { interactive: boolean; message: string; what: string; example: string }): Promise<string> {
  if (options.interactive) {
    const { password } = await importModule<typeof Prompts>("@inquirer/prompts");
    // On stderr: stdout stays clean for --json.
    return password({ message: options.message, validate: (v) => v.length > 0 || `Enter ${options.what}` }, { output: process.stderr });
  }
  if (process.stdin.isTTY) {
    throw new UsageError(`No ${options.what}: without a prompt (CI is set or output is not a terminal) it is read from stdin.`, { hint: `Pipe it in: ${options.example}` });
  }
  const text = (await readStdin()).replace(/\r?\n$/, "");
  if (text.length === 0) throw new UsageError(`No ${options.what} on stdin.`, { hint: `Pipe it in: ${options.example}` });
  return text;
}
