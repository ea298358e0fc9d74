/** Output to a reader that has gone (`aerostack … | head`): the CLI stops quietly instead of dying of EPIPE. */
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { CLI } from "./helpers";

describe("a closed stdout", () => {
  it("ends the CLI quietly: exit 0, no EPIPE stack on stderr", async () => {
    const child = spawn(process.execPath, [CLI, "--help"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
    // Our end of its stdout closes before the CLI has loaded, so its first write meets a pipe with no reader.
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event|^\s+at /m);
    expect(code).toBe(0);
  });
});
