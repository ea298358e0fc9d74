/** Creates a new platform's admin account: the key is made here, and only its hash crosses to the platform. */
import { newAccountKey } from "../../shared/keys";
import { UserError } from "../errors";
import type { FetchLike } from "./control-client";

export const ADMIN_ACCOUNT = "admin";

/**
 * Returns the admin key when this call created the account, null when the platform already had accounts.
 * `hostToken` is the platform's AEROSTACK_HOST_TOKEN (random per start for `platform start`, a secret on Cloudflare).
 */
export async function bootstrapAdmin(fetcher: FetchLike, baseUrl: string, hostToken: string): Promise<string | null> {
  const key = await newAccountKey();
  let res: Response;
  try {
    res = await fetcher(`${baseUrl.replace(/\/+$/, "")}/__aerostack/bootstrap`, {
      method: "POST",
      headers: { authorization: `Bearer ${hostToken}`, "content-type": "application/json" },
      body: JSON.stringify({ account: ADMIN_ACCOUNT, keyId: key.id, keyHash: key.hash }),
    });
  } catch (err) {
    throw new UserError(`Could not reach the platform at ${baseUrl}.`, { hint: "Check the URL and that the platform is running.", cause: err });
  }
  if (res.status === 401) {
    await res.body?.cancel();
    throw new UserError("The platform refused the host token.", { hint: "Pass the platform's AEROSTACK_HOST_TOKEN (the secret you set with `wrangler secret put AEROSTACK_HOST_TOKEN`)." });
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new UserError(`The platform answered the bootstrap with HTTP ${res.status}.`);
  }
  const { created } = (await res.json()) as { created: boolean };
  return created ? key.token : null;
}
