/** Classifies a URL host (IP literal in any spelling, or a name) by the network range egress rules care about. */

/**
 * - `metadata`: a cloud instance-metadata endpoint (credentials live there): always refused.
 * - `link-local`: 169.254.0.0/16, fe80::/10: always refused (metadata services hide here too).
 * - `loopback`: 127.0.0.0/8, ::1, 0.0.0.0/8, ::, and the names `localhost` / `*.localhost` (RFC 6761).
 * - `private`: RFC 1918, CGNAT, unique-local IPv6, multicast and other reserved ranges.
 * - `public`: a routable IP literal.
 * - `name`: any other DNS name; what it resolves to is checked at connect time, not here.
 */
export type HostClass = "metadata" | "link-local" | "loopback" | "private" | "public" | "name";

export interface Classified {
  class: HostClass;
  /** The address in canonical form when the host is an IP literal (IPv4-mapped IPv6 reported as its IPv4). */
  address?: string;
}

// Names that resolve to metadata services on the clouds that matter; compared without a trailing dot, lower case.
const METADATA_NAMES = new Set([
  "metadata",
  "metadata.google.internal",
  "metadata.goog",
  "instance-data",
  "instance-data.ec2.internal",
  "metadata.tencentyun.com",
]);

// IPv4 metadata endpoints: AWS/GCP/Azure/OpenStack, AWS ECS task metadata, AWS DNS, Alibaba Cloud.
const METADATA_V4 = new Set(["169.254.169.254", "169.254.170.2", "169.254.169.253", "100.100.100.200"]);
// IPv6 metadata endpoints: AWS IMDS over IPv6 (fd00:ec2::254), which sits in the unique-local range.
const METADATA_V6 = new Set(["fd00:ec2:0:0:0:0:0:254"]);

// Names /etc/hosts commonly maps to loopback besides localhost.
const LOOPBACK_NAMES = new Set(["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"]);

export function classifyHost(rawHost: string): Classified {
  let host = rawHost.trim().toLowerCase();
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.includes(":")) {
    const groups = parseIPv6(host);
    return groups ? classifyIPv6(groups) : { class: "name" };
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) return classifyIPv4(v4);
  if (METADATA_NAMES.has(host)) return { class: "metadata" };
  if (LOOPBACK_NAMES.has(host) || host.endsWith(".localhost")) return { class: "loopback" };
  return { class: "name" };
}

/**
 * IPv4 the way URL parsers (and inet_aton) read it: 1-4 dot-separated parts, each decimal, 0x-hex or 0-octal, the
 * last filling the remaining bytes, so `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1. Returns null
 * for anything that is not wholly numeric (a DNS name).
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.length > 4 || parts.some((p) => p === "")) return null;
  const values: number[] = [];
  for (const part of parts) {
    let value: number;
    if (/^0x[0-9a-f]*$/.test(part)) value = part.length === 2 ? 0 : parseInt(part.slice(2), 16);
    else if (/^0[0-7]+$/.test(part)) value = parseInt(part.slice(1), 8);
    else if (/^(0|[1-9][0-9]*)$/.test(part)) value = Number(part);
    else return null;
    values.push(value);
  }
  const last = values.pop()!;
  if (values.some((v) => v > 255) || last >= 256 ** (4 - values.length)) return null;
  return values.reduce((acc, v, i) => acc + v * 256 ** (3 - i), 0) + last;
}

function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function inV4(n: number, base: string, bits: number): boolean {
  const start = parseIPv4(base)!;
  const size = 2 ** (32 - bits);
  return n >= start && n < start + size;
}

function classifyIPv4(n: number): Classified {
  const address = formatIPv4(n);
  const result = (c: HostClass): Classified => ({ class: c, address });
  if (METADATA_V4.has(address)) return result("metadata");
  if (inV4(n, "169.254.0.0", 16)) return result("link-local");
  // 0.0.0.0/8: connecting to 0.0.0.0 reaches this machine's listeners on Linux, so it counts as loopback.
  if (inV4(n, "127.0.0.0", 8) || inV4(n, "0.0.0.0", 8)) return result("loopback");
  const reserved: Array<[string, number]> = [
    ["10.0.0.0", 8],
    ["172.16.0.0", 12],
    ["192.168.0.0", 16],
    ["100.64.0.0", 10], // carrier-grade NAT (also where Alibaba's metadata lives)
    ["192.0.0.0", 24], // IETF protocol assignments
    ["192.0.2.0", 24], // documentation ranges
    ["198.51.100.0", 24],
    ["203.0.113.0", 24],
    ["198.18.0.0", 15], // benchmarking
    ["224.0.0.0", 4], // multicast
    ["240.0.0.0", 4], // reserved, and 255.255.255.255 broadcast
  ];
  return result(reserved.some(([base, bits]) => inV4(n, base, bits)) ? "private" : "public");
}

/** Eight 16-bit groups, or null if `host` is not an IPv6 literal. Accepts `::`, an IPv4 tail and a zone id. */
export function parseIPv6(host: string): number[] | null {
  const text = host.split("%")[0]!;
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === "") return [];
    const out: number[] = [];
    const pieces = side.split(":");
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i]!;
      if (i === pieces.length - 1 && piece.includes(".")) {
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(piece)) return null;
        const v4 = parseIPv4(piece.split(".").map((p) => String(Number(p))).join("."));
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/.test(piece)) out.push(parseInt(piece, 16));
      else return null;
    }
    return out;
  };
  const head = parseSide(halves[0]!);
  const tail = halves.length === 2 ? parseSide(halves[1]!) : [];
  if (!head || !tail) return null;
  if (halves.length === 1) return head.length === 8 ? head : null;
  const missing = 8 - head.length - tail.length;
  if (missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

function classifyIPv6(g: number[]): Classified {
  const address = g.map((x) => x.toString(16)).join(":");
  const embedded = (hi: number, lo: number) => classifyIPv4(hi * 0x10000 + lo);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 7) && (g[7] === 0 || g[7] === 1)) return { class: "loopback", address }; // :: and ::1
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) reach the IPv4 address: judge that instead.
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6]!, g[7]!);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too; judge it, to be safe.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6]!, g[7]!);
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!);
  const result = (c: HostClass): Classified => ({ class: c, address });
  if (METADATA_V6.has(address)) return result("metadata");
  if ((g[0]! & 0xffc0) === 0xfe80) return result("link-local");
  if ((g[0]! & 0xfe00) === 0xfc00 || (g[0]! & 0xffc0) === 0xfec0 || (g[0]! & 0xff00) === 0xff00) return result("private");
  if (g[0] === 0x2001 && g[1] === 0xdb8) return result("private"); // documentation
  return result("public");
}
