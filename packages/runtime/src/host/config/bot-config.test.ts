// The [bot] table of aerostack.toml: defaults, the rules across keys, and the definition a deploy sends.
import { describe, expect, it } from "vitest";
import { parseProjectConfig } from "./load";
import { botDefinition } from "../bots/deploy-bot";

const parse = (toml: string) => parseProjectConfig(toml, "aerostack.toml");

describe("[bot]", () => {
  it("fills defaults and becomes the definition the platform checks", () => {
    const config = parse('name = "support"\ntype = "bot"\n[bot]\nplatforms = ["telegram", "slack"]\nworkspace = "tools"\n');
    expect(config.bot).toMatchObject({ mode: "agent", max_iterations: 10, memory_turns: 20, rate_limit_per_minute: 20 });
    expect(botDefinition(config.name, config.bot!)).toMatchObject({ name: "support", workspace: "tools", mode: "agent", platforms: ["telegram", "slack"], maxIterations: 10, apiBase: {} });
  });

  it("refuses a bot without [bot], [bot] elsewhere, workflow mode without a workflow, an unknown platform, approvals on a platform not listed", () => {
    expect(() => parse('name = "support"\ntype = "bot"\n')).toThrow(/bot: required/);
    expect(() => parse('name = "fn"\n[bot]\nplatforms = ["slack"]\n')).toThrow(/only a bot project takes \[bot\]/);
    expect(() => parse('name = "b"\ntype = "bot"\n[bot]\nmode = "workflow"\nplatforms = ["slack"]\n')).toThrow(/bot\.workflow: required when mode = "workflow"/);
    expect(() => parse('name = "b"\ntype = "bot"\n[bot]\nplatforms = ["icq"]\n')).toThrow(/bot\.platforms\[0\]: expected one of "telegram"/);
    expect(() => parse('name = "b"\ntype = "bot"\n[bot]\nplatforms = ["slack"]\n[bot.approvals]\nplatform = "telegram"\nchat = "1"\n')).toThrow(/bot\.approvals\.platform: expected one of the bot's platforms/);
  });

  it("takes workflow_path in workflow mode only", () => {
    const config = parse('name = "b"\ntype = "bot"\n[bot]\nmode = "workflow"\nworkflow = "refunds"\nworkflow_path = "refunds"\nplatforms = ["slack"]\n');
    expect(config.bot).toMatchObject({ mode: "workflow", workflow: "refunds", workflow_path: "refunds" });
    expect(() => parse('name = "b"\ntype = "bot"\n[bot]\nworkflow_path = "refunds"\nplatforms = ["slack"]\n')).toThrow(/bot\.workflow_path: only with mode = "workflow"/);
    expect(() => parse('name = "b"\ntype = "bot"\n[bot]\nmode = "workflow"\nworkflow = "refunds"\nworkflow_path = ""\nplatforms = ["slack"]\n')).toThrow(/bot\.workflow_path/);
  });
});
