/** Project secrets: names and dates only ever leave the platform; values go in, sealed, and come out only to the isolate. */
import type { SecretInfo } from "../../../shared/api";
import { directory } from "../../accounts/directory";
import { HttpError } from "../../http/http-error";
import { projectStore } from "../../projects/project-store";
import { rememberActive } from "../../isolates/active";
import { callerOf, type ApiContext } from "../context";
import { existingProject, iso, projectScope, secretNameParam } from "../params";

const secretName = (c: ApiContext) => secretNameParam(c, true);

export async function listSecrets(c: ApiContext): Promise<{ secrets: SecretInfo[] }> {
  const scope = projectScope(c);
  await existingProject(c, scope);
  const rows = await projectStore(c.env, scope.tenant).listSecrets();
  return { secrets: rows.map((s) => ({ name: s.name, updatedAt: iso(s.updatedAt) })) };
}

/** Allowed before the first deploy (a deploy refuses to go out while a required secret is missing). */
export async function putSecret(c: ApiContext<{ value: string }>): Promise<SecretInfo> {
  const scope = projectScope(c);
  const name = secretName(c);
  const store = projectStore(c.env, scope.tenant);
  const saved = await store.putSecret(scope.tenant, name, c.body.value);
  // The new revision names a new isolate: the next request runs with the new value, no redeploy.
  rememberActive(scope.tenant, await store.getActive());
  await directory(c.env).recordProject(callerOf(c), scope.project, scope.env, undefined, "secret.put", `${scope.project} (${scope.env}) ${name}`);
  return { name, updatedAt: iso(saved.updatedAt) };
}

export async function deleteSecret(c: ApiContext): Promise<{ ok: true }> {
  const scope = projectScope(c);
  const name = secretName(c);
  await existingProject(c, scope);
  const store = projectStore(c.env, scope.tenant);
  if (!(await store.deleteSecret(name))) {
    throw new HttpError("secret_not_found", `${scope.project} (${scope.env}) has no secret ${name}; see \`aerostack secret list\``);
  }
  rememberActive(scope.tenant, await store.getActive());
  await directory(c.env).recordProject(callerOf(c), scope.project, scope.env, undefined, "secret.delete", `${scope.project} (${scope.env}) ${name}`);
  return { ok: true };
}
