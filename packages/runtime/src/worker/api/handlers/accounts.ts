/** Accounts, keys and the audit log: whoami, account create/list (admin), keys create/list/revoke. */
import type { AccountInfo, AuditEntry, KeyCreated, KeyInfo, Whoami } from "../../../shared/api";
import { directory, type AccountRow } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { callerOf, type ApiContext } from "../context";
import { newAccountKey } from "../../../shared/keys";
import { iso, isoOrNull } from "../params";

const accountInfo = (a: AccountRow): AccountInfo => ({ name: a.name, admin: a.admin, createdAt: iso(a.createdAt) });

export async function whoami(c: ApiContext): Promise<Whoami> {
  const caller = callerOf(c);
  return { account: caller.account, admin: caller.admin, key: { id: caller.keyId, name: caller.keyName } };
}

export async function listAccounts(c: ApiContext): Promise<{ accounts: AccountInfo[] }> {
  return { accounts: (await directory(c.env).listAccounts()).map(accountInfo) };
}

export async function createAccount(c: ApiContext<{ name: string }>): Promise<{ account: AccountInfo; key: KeyCreated }> {
  const key = await newAccountKey();
  const account = await directory(c.env).createAccount(c.body.name, key.id, key.hash, callerOf(c));
  if (!account) throw new HttpError("account_exists", `an account named "${c.body.name}" already exists; pick another name`);
  return { account: accountInfo(account), key: { id: key.id, name: "default", createdAt: iso(account.createdAt), token: key.token } };
}

export async function listKeys(c: ApiContext): Promise<{ keys: KeyInfo[] }> {
  const keys = await directory(c.env).listKeys(callerOf(c).account);
  return {
    keys: keys.map((k) => ({ id: k.id, name: k.name, createdAt: iso(k.createdAt), lastUsedAt: isoOrNull(k.lastUsedAt), revokedAt: isoOrNull(k.revokedAt) })),
  };
}

export async function createKey(c: ApiContext<{ name: string }>): Promise<KeyCreated> {
  const key = await newAccountKey();
  const row = await directory(c.env).createKey(callerOf(c), key.id, c.body.name, key.hash);
  return { id: row.id, name: row.name, createdAt: iso(row.createdAt), token: key.token };
}

export async function revokeKey(c: ApiContext): Promise<{ ok: true }> {
  const id = c.params.id ?? "";
  if (!(await directory(c.env).revokeKey(callerOf(c), id))) {
    throw new HttpError("key_not_found", `no live key ${JSON.stringify(id.slice(0, 64))} in your account; list them with \`aerostack account keys list\``);
  }
  return { ok: true };
}

export async function audit(c: ApiContext): Promise<{ entries: AuditEntry[] }> {
  const limit = Number(c.url.searchParams.get("limit") ?? 100);
  if (!Number.isInteger(limit) || limit < 1) throw new HttpError("invalid_query", "limit must be a positive integer");
  const rows = await directory(c.env).listAudit(callerOf(c).account, limit);
  return { entries: rows.map((r) => ({ id: r.id, ts: iso(r.ts), account: r.account, by: r.by, action: r.action, target: r.target })) };
}
