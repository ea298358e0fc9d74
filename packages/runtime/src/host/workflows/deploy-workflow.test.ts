// A workflow project's definition as deploy and dev read it: aerostack.toml's [email] becomes the definition's email
// provider (the definition's own wins), and [email] is refused with a clear reason outside a workflow project.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseProjectConfig } from "../config/load";
import { ConfigError } from "../errors";
import { projectWorkflow } from "./deploy-workflow";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "aerostack-wf-def-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EMAIL = '[email]\nurl = "https://api.resend.com/emails"\nfrom = "Support <support@example.com>"\napi_key_secret = "RESEND_API_KEY"\n';
const definition = { nodes: [{ id: "start", type: "trigger" }] };

describe("a workflow project's definition", () => {
  it("takes its email provider from aerostack.toml's [email], unless the definition names its own", async () => {
    await writeFile(join(dir, "aerostack.toml"), `name = "mailer"\ntype = "workflow"\nmain = "workflow.json"\n\n${EMAIL}`);
    await writeFile(join(dir, "workflow.json"), JSON.stringify(definition));
    const read = await projectWorkflow(dir);
    expect(read.definition.email).toEqual({ url: "https://api.resend.com/emails", from: "Support <support@example.com>", apiKeySecret: "RESEND_API_KEY" });
    expect(read.inputs).toEqual([join(dir, "workflow.json")]);
    await writeFile(join(dir, "workflow.json"), JSON.stringify({ ...definition, email: { url: "https://mail.example.com/send", from: "x@example.com" } }));
    expect((await projectWorkflow(dir)).definition.email).toEqual({ url: "https://mail.example.com/send", from: "x@example.com" });
  });

  it("refuses [email] outside a workflow project, and a provider URL that is not http(s)", () => {
    const issues = (text: string) => {
      try {
        parseProjectConfig(text, "aerostack.toml");
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).issues;
      }
      throw new Error("expected a config error");
    };
    expect(issues(`name = "a"\n${EMAIL}`).join("\n")).toContain('only a workflow project takes [email]');
    expect(issues(`name = "a"\ntype = "workflow"\n[email]\nurl = "smtp://relay"\nfrom = "a@example.com"\n`).join("\n")).toContain("an http(s) URL of an email API");
  });
});
