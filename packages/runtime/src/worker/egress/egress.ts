/** The `Egress` entrypoint: every user isolate's globalOutbound, so every fetch() from user code passes the rules here. */
import { WorkerEntrypoint } from "cloudflare:workers";
import type { PlatformEnv } from "../env";
import { judge } from "./rules";
import { ownPorts } from "./own-ports";

export interface EgressProps {
  project: string;
  /** Whether this project may reach loopback and private addresses (dev, or a platform started with egress.allowPrivate). */
  allowPrivate: boolean;
}

/**
 * Refusals are thrown as TypeError, the error fetch() itself throws for a network failure, so user code (and its
 * npm dependencies) handle them the way they handle "connection refused"; the message names the rule.
 * Allowed requests go out through a workerd network service whose allow/deny lists judge the *resolved* address
 * at connect time, so a name that resolves (or re-resolves) to a forbidden address fails there too.
 */
export class Egress extends WorkerEntrypoint<PlatformEnv, EgressProps> {
  override async fetch(request: Request): Promise<Response> {
    const { project, allowPrivate } = this.ctx.props;
    const url = new URL(request.url);
    let ports: number[];
    try {
      ports = await ownPorts(this.env);
    } catch (err) {
      // Fail closed: without the port list we cannot tell the platform's internals from the user's own servers.
      throw new TypeError(`aerostack egress: the platform's own ports are unknown (${String(err)}); refusing ${url.host}`);
    }
    const verdict = judge(url, { allowPrivate, ownPorts: ports });
    if (!verdict.allowed) {
      console.warn(`[${project}] ${verdict.message}`);
      throw new TypeError(verdict.message);
    }
    const network = verdict.network === "private" ? this.env.AEROSTACK_EGRESS_PRIVATE : this.env.AEROSTACK_EGRESS_PUBLIC;
    // redirect: "manual" hands a 3xx back to the user's fetch(), whose next hop comes through here again, so a
    // redirect cannot lead past the rules. On Cloudflare (no network service binding) the global fetch goes out,
    // and Cloudflare itself refuses private and loopback destinations.
    const forwarded = new Request(request, { redirect: "manual" });
    try {
      return await (network ? network.fetch(forwarded) : fetch(forwarded));
    } catch (err) {
      // workerd reports a connect refused by the network service's lists as "internal error; reference = …".
      // That text says nothing to a user, so it is replaced; any other message is kept.
      const why = err instanceof Error ? err.message : String(err);
      const detail = why.startsWith("internal error") ? "" : ` (${why})`;
      throw new TypeError(
        `aerostack egress: could not connect to ${url.host}: nothing answered, or the address it resolves to is not one user code may reach ` +
          `(${allowPrivate ? "link-local and metadata addresses are refused" : "only public addresses are allowed"})${detail}`,
      );
    }
  }
}
