/** The host classifier and the rule table, as pure functions: every spelling of a forbidden address, no dialing. */
import { describe, expect, it } from "vitest";
import { classifyHost, parseIPv4, parseIPv6 } from "./classify";
import { judge } from "./rules";

const cls = (host: string) => classifyHost(host).class;

describe("classifyHost", () => {
  it("reads IPv4 in decimal, hex, octal and shortened forms", () => {
    expect(parseIPv4("127.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("2130706433")).toBe(0x7f000001);
    expect(parseIPv4("0x7f000001")).toBe(0x7f000001);
    expect(parseIPv4("0177.0.0.1")).toBe(0x7f000001);
    expect(parseIPv4("127.1")).toBe(0x7f000001);
    expect(parseIPv4("0x7f.1")).toBe(0x7f000001);
    expect(parseIPv4("169.254.43518")).toBe(0xa9fea9fe);
    expect(parseIPv4("256.0.0.1")).toBeNull();
    expect(parseIPv4("4294967296")).toBeNull();
    expect(parseIPv4("example.com")).toBeNull();
    expect(parseIPv4("1.2.3.4.5")).toBeNull();
  });

  it("reads IPv6 with ::, an IPv4 tail and a zone id", () => {
    expect(parseIPv6("::1")).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("::ffff:169.254.169.254")).toEqual([0, 0, 0, 0, 0, 0xffff, 0xa9fe, 0xa9fe]);
    expect(parseIPv6("fe80::1%eth0")).toEqual([0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIPv6("1:2:3:4:5:6:7:8")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(parseIPv6("1::2::3")).toBeNull();
    expect(parseIPv6("12345::")).toBeNull();
  });

  it("finds cloud metadata by address, in every spelling, and by name", () => {
    for (const host of [
      "169.254.169.254",
      "2852039166",
      "0xa9fea9fe",
      "0251.0376.0251.0376",
      "169.254.43518",
      "[::ffff:169.254.169.254]",
      "[::ffff:a9fe:a9fe]",
      "::169.254.169.254",
      "[64:ff9b::a9fe:a9fe]",
      "[2002:a9fe:a9fe::]",
      "169.254.170.2",
      "100.100.100.200",
      "[fd00:ec2::254]",
      "metadata.google.internal",
      "METADATA.GOOGLE.INTERNAL.",
      "metadata",
      "instance-data.ec2.internal",
    ]) {
      expect(cls(host), host).toBe("metadata");
    }
  });

  it("finds link-local addresses", () => {
    for (const host of ["169.254.1.1", "[fe80::1]", "fe80::1%25eth0", "[febf::1]", "[::ffff:169.254.0.1]"]) expect(cls(host), host).toBe("link-local");
  });

  it("finds loopback: 127/8, 0/8, ::1, ::, IPv4-mapped, and the localhost names", () => {
    for (const host of [
      "127.0.0.1",
      "127.255.255.254",
      "2130706433",
      "0x7f.1",
      "0177.0.0.1",
      "0.0.0.0",
      "0",
      "[::1]",
      "[::]",
      "[0:0:0:0:0:0:0:1]",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "localhost",
      "LOCALHOST.",
      "other.localhost",
      "a.b.localhost",
      "ip6-localhost",
    ]) {
      expect(cls(host), host).toBe("loopback");
    }
    expect(classifyHost("[::ffff:7f00:1]").address).toBe("127.0.0.1");
  });

  it("finds private and reserved ranges", () => {
    for (const host of ["10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "[fc00::1]", "[fd12:3456::1]", "[ff02::1]", "[::ffff:10.1.2.3]", "[2001:db8::1]"]) {
      expect(cls(host), host).toBe("private");
    }
  });

  it("lets public addresses and names through to the connect-time check", () => {
    for (const host of ["8.8.8.8", "172.32.0.1", "100.128.0.1", "[2606:4700::1111]", "[::ffff:8.8.8.8]"]) expect(cls(host), host).toBe("public");
    for (const host of ["example.com", "localhost.example.com", "metadata.example.com", "127.0.0.1.nip.io"]) expect(cls(host), host).toBe("name");
  });
});

describe("judge (the rule table)", () => {
  const dev = { allowPrivate: true, ownPorts: [8787, 40123] };
  const platform = { allowPrivate: false, ownPorts: [8787, 40123] };
  const verdict = (url: string, rules: typeof dev) => judge(new URL(url), rules);

  it("refuses schemes other than http and https", () => {
    for (const url of ["file:///etc/passwd", "ftp://example.com/", "data:text/plain,hi", "ws://example.com/"]) {
      expect(verdict(url, dev)).toMatchObject({ allowed: false, rule: "scheme" });
    }
    expect(verdict("file:///etc/passwd", dev)).toMatchObject({ message: "aerostack egress: file: URLs are not allowed from user code; only http: and https: are" });
  });

  it("always refuses metadata and link-local, in every mode", () => {
    for (const rules of [dev, platform]) {
      expect(verdict("http://169.254.169.254/latest/meta-data/", rules)).toMatchObject({ allowed: false, rule: "metadata" });
      expect(verdict("http://[::ffff:169.254.169.254]/", rules)).toMatchObject({ allowed: false, rule: "metadata" });
      expect(verdict("http://metadata.google.internal/computeMetadata/v1/", rules)).toMatchObject({ allowed: false, rule: "metadata" });
      expect(verdict("http://169.254.1.2/", rules)).toMatchObject({ allowed: false, rule: "link-local" });
    }
    // The URL parser normalises decimal forms before we see them; the verdict is the same.
    expect(verdict("http://2852039166/", dev)).toMatchObject({ message: "aerostack egress: 169.254.169.254 is a cloud metadata address; user code may never reach it" });
  });

  it("refuses the platform's own ports whatever the host, default ports included", () => {
    for (const url of ["http://127.0.0.1:8787/", "http://localhost:40123/", "http://vm:8787/", "http://example.com:8787/", "http://[::1]:40123/"]) {
      expect(verdict(url, dev)).toMatchObject({ allowed: false, rule: "own-port" });
    }
    expect(verdict("http://127.0.0.1:8787/", dev)).toMatchObject({ message: "aerostack egress: 127.0.0.1:8787 is the platform's own port; user code may not reach it" });
    expect(verdict("http://example.com/", { allowPrivate: true, ownPorts: [80] })).toMatchObject({ allowed: false, rule: "own-port" });
  });

  it("allows loopback and private in dev (through the private network), refuses them on the platform", () => {
    expect(verdict("http://127.0.0.1:3000/", dev)).toEqual({ allowed: true, network: "private" });
    expect(verdict("http://192.168.1.10/", dev)).toEqual({ allowed: true, network: "private" });
    expect(verdict("http://127.0.0.1:3000/", platform)).toMatchObject({
      allowed: false,
      rule: "private",
      message:
        "aerostack egress: 127.0.0.1 is a loopback address; this platform lets user code reach public addresses only (start it with aerostack platform start --allow-private-egress to allow private networks)",
    });
    expect(verdict("http://other.localhost:3000/", platform)).toMatchObject({ allowed: false, rule: "private" });
    expect(verdict("http://10.0.0.1/", platform)).toMatchObject({ allowed: false, rule: "private" });
  });

  it("words refusals for whoever is judged (the gateway calling a workspace member)", () => {
    const member = { who: "a workspace member", privateHint: "add the member with --allow-private if it really lives on your network" };
    expect(judge(new URL("http://[::ffff:169.254.169.254]/"), dev, member)).toMatchObject({ message: "aerostack egress: [::ffff:a9fe:a9fe] is a cloud metadata address; a workspace member may never reach it" });
    expect(judge(new URL("http://10.0.0.1/mcp"), platform, member)).toMatchObject({
      rule: "private",
      message: "aerostack egress: 10.0.0.1 is a private address; add the member with --allow-private if it really lives on your network",
    });
  });

  it("sends names and public addresses to the network service matching the allowance", () => {
    expect(verdict("https://api.example.com/v1", platform)).toEqual({ allowed: true, network: "public" });
    expect(verdict("http://8.8.8.8/", platform)).toEqual({ allowed: true, network: "public" });
    expect(verdict("https://api.example.com/v1", dev)).toEqual({ allowed: true, network: "private" });
  });
});
