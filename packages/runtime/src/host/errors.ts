/** Errors a user can fix: a typed class whose message says what happened and how to solve it. */

/**
 * An error caused by the user's input or environment (bad config, port in use, missing file).
 * The CLI prints `message` (and `hint` when present) without a stack trace unless `--debug`,
 * and exits with `exitCode`: 1 for failures, 2 for usage errors.
 */
export class UserError extends Error {
  override readonly name: string = "UserError";
  readonly hint: string | undefined;
  readonly exitCode: 1 | 2;

  constructor(message: string, options: { hint?: string; exitCode?: 1 | 2; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** A command was called wrongly (unknown template, missing flag without a TTY): exit code 2. */
export class UsageError extends UserError {
  override readonly name: string = "UsageError";
  constructor(message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, { ...options, exitCode: 2 });
  }
}

/** `aerostack.toml` is malformed or invalid: names the file, the key path and what was expected. */
export class ConfigError extends UserError {
  override readonly name: string = "ConfigError";
  readonly file: string;
  readonly issues: readonly string[];
  constructor(file: string, issues: readonly string[], options: { hint?: string; cause?: unknown } = {}) {
    super(`Invalid ${file}:\n${issues.map((i) => `  - ${i}`).join("\n")}`, options);
    this.file = file;
    this.issues = issues;
  }
}

/**
 * Start-up stopped because its caller asked (Ctrl-C while `aerostack dev` or `platform start` was starting): not a
 * failure. Whatever had started is stopped before this is thrown; the CLI exits 0 without a message.
 */
export class StartupAborted extends Error {
  override readonly name: string = "StartupAborted";
  constructor() {
    super("Start-up was stopped.");
  }
}
