/** Account keys: `ak_` + 40 base62 characters from the platform's CSPRNG; ids are public, tokens are shown once. */
import { sha256Hex } from "./sha256";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      // 248 = 4 × 62: bytes at or above it would bias the first characters, so they are skipped.
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

export interface NewKey {
  id: string;
  token: string;
  hash: string;
}

export async function newAccountKey(): Promise<NewKey> {
  const token = `ak_${randomBase62(40)}`;
  return { id: `key_${randomBase62(12).toLowerCase()}`, token, hash: await sha256Hex(token) };
}
