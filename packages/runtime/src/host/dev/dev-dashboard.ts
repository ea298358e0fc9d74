/**
 * `aerostack dev`'s dashboard (worker/dashboard/dev.ts): a sign-in link made for this start, for the banner. Only the
 * token's SHA-256 goes to the platform; the link is printed once. Offered only when dev listens on a loopback address:
 * the dashboard is the local user's, and the worker refuses any other host name besides.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Platform } from "../platform/platform";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1", "[::1]"]);

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The sign-in link for this start, or null when dev listens beyond loopback (`--host 0.0.0.0`). */
export async function openDevDashboard(platform: Platform, workspace: string, host: string): Promise<string | null> {
  if (!isLoopbackHost(host)) return null;
  const token = randomBytes(32).toString("base64url");
  await platform.control.setUpDevDashboard(workspace, createHash("sha256").update(token).digest("hex"));
  return `${new URL(platform.url).origin}/__aerostack/dashboard/sign-in?token=${token}&workspace=${workspace}`;
}
