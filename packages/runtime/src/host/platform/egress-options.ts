/** Miniflare options for user-code egress: the network services Egress forwards through, and the platform's own ports. */
import type { MiniflareOptions } from "miniflare";
import { Server } from "node:http";

export interface EgressOptions {
  /** Let user code reach loopback and private addresses. Default: true in `dev`, false in `platform` mode. */
  allowPrivate?: boolean;
}

// Refused on every network service, whatever the mode: link-local (cloud metadata lives at 169.254.169.254),
// the metadata addresses outside it, the "this host" ranges, and Unix sockets. IPv4-mapped forms are listed too.
const ALWAYS_DENIED = [
  "169.254.0.0/16",
  "::ffff:169.254.0.0/112",
  "fe80::/10",
  "100.100.100.200/32",
  "::ffff:100.100.100.200/128",
  "fd00:ec2::254/128",
  "0.0.0.0/8",
  "::/128",
  "unix",
  "unix-abstract",
];

export interface EgressHost {
  /** Spread into the Miniflare options. */
  readonly miniflare: Pick<MiniflareOptions, "serviceBindings">;
  /** Call once Miniflare is ready, with the URL it answers on: releases the port list to the platform. */
  started(entryUrl: URL, requestedPort: number | undefined): void;
}

/**
 * `AEROSTACK_EGRESS_PUBLIC` reaches public addresses only; `AEROSTACK_EGRESS_PRIVATE` (only when private networks are
 * allowed) adds private and loopback ones. Both are workerd network services: the allow/deny lists apply to the
 * address a name resolves to, when the connection is made, so DNS rebinding meets the same rule.
 * `AEROSTACK_OWN_PORTS` tells the Egress entrypoint which ports are ours: workerd's lists cannot name ports.
 */
export function egressHost(mode: "dev" | "platform", options: EgressOptions = {}): EgressHost {
  const allowPrivate = options.allowPrivate ?? mode === "dev";
  let release!: (ports: number[]) => void;
  const ready = new Promise<number[]>((resolve) => (release = resolve));
  return {
    miniflare: {
      serviceBindings: {
        AEROSTACK_EGRESS_PUBLIC: { network: { allow: ["public"], deny: ALWAYS_DENIED } },
        ...(allowPrivate ? { AEROSTACK_EGRESS_PRIVATE: { network: { allow: ["public", "private"], deny: ALWAYS_DENIED } } } : {}),
        // The gateway's way to workspace members added with allowPrivate (a team's own network), whatever user code may reach.
        AEROSTACK_EGRESS_MEMBERS: { network: { allow: ["public", "private"], deny: ALWAYS_DENIED } },
        AEROSTACK_OWN_PORTS: async () => {
          // Looked up per ask: the loopback server's port is fixed for the Miniflare instance, and asking is rare.
          const loopback = miniflareLoopbackPorts();
          // Fail closed: if a Miniflare upgrade hides the server differently, every egress is refused, loudly.
          if (loopback.length === 0) return new Response("Miniflare's loopback server was not found", { status: 500 });
          return Response.json({ ports: [...new Set([...(await ready), ...loopback])] });
        },
      },
    },
    started(entryUrl, requestedPort) {
      const ports = [Number(entryUrl.port || 80)];
      if (requestedPort) ports.push(requestedPort);
      release(ports);
    },
  };
}

/**
 * The ports of Miniflare's loopback servers in this process. That server (Node, unauthenticated) serves workerd's
 * calls back into Node, including `/core/store-temp-file`, which writes a request body to a path it is given.
 * Miniflare keeps the server private (`#loopbackServer`, passed to workerd as `--external-addr=loopback=…`); its
 * request listener is the class field `#handleLoopback`, which is how it is recognised among this process's
 * listening servers. Every such server is refused, not only this platform's: none belongs to user code.
 */
export function miniflareLoopbackPorts(): number[] {
  const handles = (process as unknown as { _getActiveHandles?: () => unknown[] })._getActiveHandles?.() ?? [];
  const ports: number[] = [];
  for (const handle of handles) {
    if (!(handle instanceof Server) || !handle.listening) continue;
    if (!handle.listeners("request").some((fn) => fn.name === "#handleLoopback")) continue;
    const address = handle.address();
    if (address && typeof address === "object") ports.push(address.port);
  }
  return ports;
}
