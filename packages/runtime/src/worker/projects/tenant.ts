/** Where a project environment's data lives (its tenant id) and where it answers (its host name). */
import { DEFAULT_ENV } from "../../shared/api";
import { MEMBER_SLUG_PATTERN } from "../../shared/gateway";

/** `account.project.env`: slugs have no dots, so the parts never run together. */
export function tenantId(account: string, project: string, env: string): string {
  return `${account}.${project}.${env}`;
}

/**
 * A Hub install's own data (DB, CACHE, STORAGE, VECTORIZE): the installing account and workspace and the package.
 * The publisher's code runs once for everyone, so its bindings must never be the publisher's project storage (shared
 * by every installer): four parts, where a project's tenant has three, so the two can never name the same data.
 */
export function installTenant(account: string, workspace: string, pkg: { account: string; name: string }): string {
  return `${account}.${workspace}.${pkg.account}.${pkg.name}`;
}

/** Whether a tenant is a Hub install's (see installTenant). */
export const isInstallTenant = (tenant: string): boolean => tenant.split(".").length === 4;

/**
 * `<project>.<account>.<base>` serves the default environment, `<project>--<env>.<account>.<base>` another one
 * (one label, so a single wildcard certificate for `*.<account>.<base>` covers them all).
 */
export function projectHost(account: string, project: string, env: string, baseDomain: string): string {
  return `${env === DEFAULT_ENV ? project : `${project}--${env}`}.${account}.${baseDomain}`;
}

/** The tenant a request's host name names under `baseDomain`, or null when it names none (the platform's own host). */
export function tenantForHost(hostname: string, baseDomain: string): { account: string; project: string; env: string } | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  const suffix = `.${baseDomain.toLowerCase()}`;
  if (!host.endsWith(suffix)) return null;
  const labels = host.slice(0, -suffix.length).split(".");
  if (labels.length !== 2) return null;
  const [label, account] = labels as [string, string];
  const split = label.indexOf("--");
  const project = split < 0 ? label : label.slice(0, split);
  const env = split < 0 ? DEFAULT_ENV : label.slice(split + 2);
  if (![project, env, account].every((part) => MEMBER_SLUG_PATTERN.test(part))) return null;
  return { account, project, env };
}
