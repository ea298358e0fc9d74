/** SHA-256 as lowercase hex: how tokens and keys are stored (never the tokens themselves). */
import { toHex } from "./hex";

export async function sha256Hex(text: string): Promise<string> {
  return toHex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
}
