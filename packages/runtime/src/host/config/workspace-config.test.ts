/** `type = "workspace"` in aerostack.toml: [workspace] and [[members]], their validation messages, and the sync body a deploy sends. */
import { describe, expect, it } from "vitest";
import { ConfigError } from "../errors";
import { workspaceSyncBody } from "../workspace/members";
import { parseProjectConfig } from "./load";

const WS = 'name = "eng"\ntype = "workspace"\n';

function parse(body: string, head = WS) {
  return parseProjectConfig(`${head}${body}`, "aerostack.toml");
}

/** The error lines for a config that must be rejected. */
function errors(body: string, head = WS): string[] {
  try {
    parse(body, head);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).message.split("\n").map((line) => line.trim().replace(/^- /, "")).filter(Boolean);
  }
  throw new Error("expected the config to be rejected");
}

function expectError(body: string, line: string, head = WS): void {
  const lines = errors(body, head);
  expect(lines.some((l) => l.includes(line)), `expected a line containing:\n  ${line}\ngot:\n  ${lines.join("\n  ")}`).toBe(true);
}

const FULL = `secrets = ["AUDIT_KEY"]

[workspace]
rate_limit = 300
log_arguments = true

[[members]]
project = "weather"

[[members]]
slug = "stripe"
url = "https://mcp.stripe.example/mcp"
headers = { Authorization = "Bearer secret:STRIPE_KEY", "X-Org" = "acme" }
timeout_ms = 5000

[[members]]
slug = "lan"
url = "http://10.0.0.5:9000/mcp"
allow_private = true

[[members]]
slug = "platform"
workspace = "platform-tools"
`;

describe("workspace projects", () => {
  it("parse members of every kind and become the body `aerostack deploy` sends", () => {
    const config = parse(FULL);
    expect(config.members).toHaveLength(4);
    expect(workspaceSyncBody(config, true)).toEqual({
      members: [
        { kind: "project", slug: "weather", project: "weather" },
        {
          kind: "proxy",
          slug: "stripe",
          url: "https://mcp.stripe.example/mcp",
          headers: { Authorization: { secret: "STRIPE_KEY", prefix: "Bearer " }, "X-Org": { value: "acme" } },
          timeoutMs: 5000,
        },
        { kind: "proxy", slug: "lan", url: "http://10.0.0.5:9000/mcp", headers: {}, allowPrivate: true },
        { kind: "workspace", slug: "platform", workspace: "platform-tools" },
      ],
      // Unwritten settings take their defaults: the file alone decides them.
      settings: { rateLimitPerMinute: 300, logArguments: true, logRetentionDays: 30 },
      requiredSecrets: ["AUDIT_KEY", "STRIPE_KEY"],
      dryRun: true,
    });
  });

  it("an empty workspace is fine: no members, default settings, no secrets", () => {
    expect(workspaceSyncBody(parse(""), false)).toEqual({ members: [], settings: { rateLimitPerMinute: 120, logArguments: false, logRetentionDays: 30 }, requiredSecrets: [], dryRun: false });
  });

  it("a member is exactly one of project, url or workspace", () => {
    expectError('[[members]]\nslug = "x"\n', "members[0]: expected exactly one of project, url or workspace");
    expectError('[[members]]\nproject = "a"\nworkspace = "b"\n', "members[0]: expected exactly one of project, url or workspace, got project and workspace");
  });

  it("a url member needs a slug; headers and allow_private only go with url", () => {
    expectError('[[members]]\nurl = "https://x.example/mcp"\n', "members[0].slug: required for a url member");
    expectError('[[members]]\nproject = "a"\nallow_private = true\n', "members[0].allow_private: only a proxied member (url = …) takes allow_private");
  });

  it("header values that carry credentials must reference a secret, and are never echoed", () => {
    const lines = errors('[[members]]\nslug = "s"\nurl = "https://x.example/mcp"\nheaders = { Authorization = "Bearer sk_live_abcdef123456" }\n');
    expect(lines.some((l) => l.startsWith("members[0].headers.Authorization: carries credentials"))).toBe(true);
    expect(lines.join("\n")).not.toContain("sk_live_abcdef123456");
  });

  it("bad URLs, slugs and values name the key path and what was expected", () => {
    expectError('[[members]]\nslug = "s"\nurl = "ftp://x.example"\n', 'members[0].url: expected an http(s) URL such as "https://mcp.example.com/mcp"');
    expectError('[[members]]\nslug = "Bad_Slug"\nurl = "https://x.example/mcp"\n', "members[0].slug: expected a member slug");
    expectError("[workspace]\nrate_limit = 0\n", "workspace.rate_limit: expected an integer from 1 to 100000, got 0");
    expectError('[workspace]\nlog_arguments = "yes"\n', 'workspace.log_arguments: expected true or false, got "yes"');
  });

  it("unknown keys get a did-you-mean, inside [[members]] too", () => {
    expectError('[[members]]\nproject = "a"\ntimeot_ms = 5\n', 'unknown key "members[0].timeot_ms"; did you mean "members[0].timeout_ms"?');
    expectError('[[members]]\nproject = "a"\nport = 5\n', 'allowed keys in [members[0]]: slug, project, url, workspace, headers, timeout_ms, allow_private');
    expectError("[workspace]\nratelimit = 5\n", 'unknown key "workspace.ratelimit"; did you mean "workspace.rate_limit"?');
  });

  it("slugs are unique (a project's name is its default slug) and a workspace cannot compose itself", () => {
    expectError('[[members]]\nproject = "weather"\n[[members]]\nslug = "weather"\nurl = "https://x.example/mcp"\n', 'members[1].slug: "weather" is already the slug of members[0]');
    expectError('[[members]]\nworkspace = "eng"\n', "members[0].workspace: a workspace cannot compose itself");
  });

  it("keys that configure code are refused in a workspace, with what to do instead", () => {
    expectError('[[mcp.proxy]]\nslug = "g"\nurl = "https://x.example/mcp"\n', "mcp: a workspace runs no code of its own, so [mcp] does nothing here; list proxied servers as [[members]] with url = …");
    expectError('[vars]\nA = "1"\n', "vars: a workspace runs no code of its own");
    expectError('[env.staging]\nsecrets = []\n', "env: a workspace runs no code of its own, so [env] does nothing here; use one workspace project per environment");
  });

  it("[[members]] and [workspace] belong to workspace projects only; [[mcp.proxy]] keeps working in mcp-server projects", () => {
    expectError('[[members]]\nproject = "a"\n', 'members: only a workspace project takes [[members]]; set type = "workspace"', 'name = "weather"\ntype = "mcp-server"\n');
    expectError("[workspace]\nrate_limit = 5\n", "workspace: only a workspace project takes [workspace]", 'name = "weather"\n');
    const mcp = parse('[[mcp.proxy]]\nslug = "github"\nurl = "https://x.example/mcp"\n', 'name = "weather"\ntype = "mcp-server"\n');
    expect(mcp.mcp?.proxy).toEqual([{ slug: "github", url: "https://x.example/mcp", headers: {} }]);
    expect(mcp.members).toBeUndefined();
  });
});
