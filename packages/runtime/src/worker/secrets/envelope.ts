/** AES-256-GCM secret envelopes: random 96-bit IV, AAD binding the value to its owner and name, key id for rotation. */

export interface SecretEnvelope {
  v: 1;
  /** Which master key sealed it, so keys can rotate: the first 8 hex of SHA-256(key). */
  kid: string;
  iv: string;
  ct: string;
}

const b64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));
const unb64 = (text: string): Uint8Array => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

function hexBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/i.test(hex)) throw new Error("the master key must be 64 hex characters (32 bytes)");
  return Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
}

// A cache, correct when empty: keys are derived again from the master key.
const keys = new Map<string, Promise<{ key: CryptoKey; kid: string }>>();

/** Imports the host's master key once per isolate. */
export function masterKey(hex: string): Promise<{ key: CryptoKey; kid: string }> {
  let entry = keys.get(hex);
  if (!entry) {
    entry = (async () => {
      const raw = hexBytes(hex);
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
      const kid = [...digest.slice(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
      return { key, kid };
    })();
    keys.set(hex, entry);
  }
  return entry;
}

export async function seal(keyHex: string, aad: string, value: string): Promise<SecretEnvelope> {
  const { key, kid } = await masterKey(keyHex);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(value),
  );
  return { v: 1, kid, iv: b64(iv), ct: b64(new Uint8Array(ct)) };
}

/** Returns null when the envelope was sealed by another key or for another owner (AAD mismatch): never the error text. */
export async function open(keyHex: string, aad: string, envelope: SecretEnvelope): Promise<string | null> {
  const { key, kid } = await masterKey(keyHex);
  if (envelope.v !== 1 || envelope.kid !== kid) return null;
  try {
    const pt = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(envelope.iv), additionalData: new TextEncoder().encode(aad) },
      key,
      unb64(envelope.ct),
    );
    return new TextDecoder().decode(pt);
  } catch {
    return null;
  }
}
