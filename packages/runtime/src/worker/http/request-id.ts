/** Request ids: short, random, sent back as `x-request-id` and used to tag log lines. */
export const REQUEST_ID_HEADER = "x-request-id";

export function newRequestId(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 8);
}
