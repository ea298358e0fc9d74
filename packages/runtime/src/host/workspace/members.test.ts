/** `workspace add` flags → the API's member shape: each kind, headers with secret references, and the usage errors. */
import { describe, expect, it } from "vitest";
import { UsageError } from "../errors";
import { parseExpires } from "../api/logs";
import { memberFromFlags } from "./members";

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("expected a usage error");
}

describe("memberFromFlags", () => {
  it("a bare name is a deployed project of that name", () => {
    expect(memberFromFlags("eng", "weather", {})).toEqual({ kind: "project", slug: "weather", project: "weather" });
    expect(memberFromFlags("eng", "weather", { timeout: "2500" })).toEqual({ kind: "project", slug: "weather", project: "weather", timeoutMs: 2500 });
  });

  it("--url makes a proxied member; headers may reference secrets; allowPrivate only when asked", () => {
    expect(memberFromFlags("eng", "stripe", { url: "https://mcp.stripe.example/mcp", header: ["Authorization=Bearer secret:STRIPE_KEY", "X-Org = acme"] })).toEqual({
      kind: "proxy",
      slug: "stripe",
      url: "https://mcp.stripe.example/mcp",
      headers: { Authorization: { secret: "STRIPE_KEY", prefix: "Bearer " }, "X-Org": { value: "acme" } },
    });
    expect(memberFromFlags("eng", "lan", { url: "http://127.0.0.1:9000/mcp", allowPrivate: true, timeout: "100" })).toEqual({
      kind: "proxy",
      slug: "lan",
      url: "http://127.0.0.1:9000/mcp",
      headers: {},
      timeoutMs: 100,
      allowPrivate: true,
    });
  });

  it("--workspace composes another workspace", () => {
    expect(memberFromFlags("eng", "tools", { workspace: "platform-tools" })).toEqual({ kind: "workspace", slug: "tools", workspace: "platform-tools" });
  });

  it("a credential written as a header value is refused without echoing it, naming the secret command", () => {
    const err = usageError(() => memberFromFlags("eng", "stripe", { url: "https://x.example/mcp", header: ["Authorization=Bearer sk_live_123456789"] }));
    expect(err.message).toContain("--header Authorization carries credentials");
    expect(err.hint).toContain("aerostack secret put NAME --workspace eng");
    expect(`${err.message}${err.hint}`).not.toContain("sk_live_123456789");
  });

  it("bad input is a usage error naming the flag", () => {
    expect(usageError(() => memberFromFlags("eng", "Bad_Name", {})).message).toContain('"Bad_Name" is not a member name');
    expect(usageError(() => memberFromFlags("eng", "x", { url: "not a url" })).message).toContain("--url must be an http(s) URL");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "ftp://x.example/mcp" })).message).toContain("--url must be an http(s) URL");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "https://u:p@x.example/mcp" })).message).toBe("--url must not carry credentials.");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "https://x.example", workspace: "y" })).message).toContain("--url and --workspace");
    expect(usageError(() => memberFromFlags("eng", "x", { header: ["A=b"] })).message).toContain("--header only go with --url");
    expect(usageError(() => memberFromFlags("eng", "x", { allowPrivate: true })).message).toContain("--allow-private only go with --url");
    expect(usageError(() => memberFromFlags("eng", "x", { timeout: "1.5" })).message).toContain("--timeout must be a whole number");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "https://x.example/mcp", header: ["novalue"] })).message).toContain("--header takes NAME=VALUE");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "https://x.example/mcp", header: ["Host=evil"] })).message).toContain("--header Host is set by the gateway itself");
    expect(usageError(() => memberFromFlags("eng", "x", { url: "https://x.example/mcp", header: ["A=1", "A=2"] })).message).toContain("--header A is given twice");
  });
});

describe("parseExpires", () => {
  const now = 1_700_000_000_000;
  it("takes a duration from now or a future ISO date", () => {
    expect(parseExpires("30d", now)).toBe(now + 30 * 86_400_000);
    expect(parseExpires("12h", now)).toBe(now + 12 * 3_600_000);
    expect(parseExpires("2030-01-31T00:00:00Z", now)).toBe(Date.UTC(2030, 0, 31));
  });
  it("refuses the past and nonsense", () => {
    expect(() => parseExpires("2020-01-01", now)).toThrow(/not in the future/);
    expect(() => parseExpires("soon", now)).toThrow(UsageError);
    expect(() => parseExpires("0d", now)).toThrow(/not in the future/);
  });
});
