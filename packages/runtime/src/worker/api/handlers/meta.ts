/** Health and the OpenAPI document: the two routes that need no key. */
import type { Health } from "../../../shared/api";
import type { ApiContext } from "../context";
import { openApiDocument } from "../openapi";

/** Bumped with the platform's releases; the CLI shows it next to its own. */
export const PLATFORM_VERSION = "0.1.0";

export async function health(c: ApiContext): Promise<Health> {
  return { ok: true, version: PLATFORM_VERSION, mode: c.env.AEROSTACK_MODE ?? "dev" };
}

// A cache, correct when empty: the document is built again from the code.
let cached: unknown;
export async function openapi(): Promise<unknown> {
  cached ??= openApiDocument(PLATFORM_VERSION);
  return cached;
}
