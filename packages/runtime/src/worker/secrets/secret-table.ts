/**
 * A table of sealed secrets inside a Durable Object (`secrets(name, envelope, updated_at)`): what ProjectStore and
 * Workspace both keep. Values are sealed with AES-256-GCM under the host's master key, bound by `aad(name)` to
 * their owner and name; every change calls `changed()` (the owner bumps the revision its caches key on).
 */
import { open, seal, type SecretEnvelope } from "./envelope";

export interface SecretInfoRow {
  name: string;
  updatedAt: number;
}

export class SecretTable {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly masterKey: string,
    private readonly aad: (name: string) => string,
    private readonly changed: () => void,
  ) {}

  private get sql(): SqlStorage {
    return this.storage.sql;
  }

  /** Sets one value. */
  async put(name: string, value: string): Promise<SecretInfoRow> {
    const envelope = await seal(this.masterKey, this.aad(name), value);
    const now = Date.now();
    this.storage.transactionSync(() => {
      this.sql.exec(
        "INSERT INTO secrets (name, envelope, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET envelope = excluded.envelope, updated_at = excluded.updated_at",
        name,
        JSON.stringify(envelope),
        now,
      );
      this.changed();
    });
    return { name, updatedAt: now };
  }

  /** Replaces the whole set (`aerostack dev` pushes what `.dev.vars` and the environment hold). */
  async replaceAll(values: Record<string, string>): Promise<string[]> {
    const sealed: [string, SecretEnvelope][] = [];
    for (const [name, value] of Object.entries(values)) sealed.push([name, await seal(this.masterKey, this.aad(name), value)]);
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM secrets");
      const now = Date.now();
      for (const [name, envelope] of sealed) this.sql.exec("INSERT INTO secrets (name, envelope, updated_at) VALUES (?, ?, ?)", name, JSON.stringify(envelope), now);
      this.changed();
    });
    return sealed.map(([n]) => n).sort();
  }

  delete(name: string): boolean {
    return this.storage.transactionSync(() => {
      const deleted = this.sql.exec("DELETE FROM secrets WHERE name = ?", name).rowsWritten > 0;
      if (deleted) this.changed();
      return deleted;
    });
  }

  list(): SecretInfoRow[] {
    return this.sql
      .exec<{ name: string; updated_at: number }>("SELECT name, updated_at FROM secrets ORDER BY name")
      .toArray()
      .map((r) => ({ name: r.name, updatedAt: r.updated_at }));
  }

  /** Decrypted values by name. One sealed under another master key (the key file was replaced) reads as unset. */
  async values(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const row of this.sql.exec<{ name: string; envelope: string }>("SELECT name, envelope FROM secrets").toArray()) {
      const value = await open(this.masterKey, this.aad(row.name), JSON.parse(row.envelope) as SecretEnvelope);
      if (value !== null) out[row.name] = value;
    }
    return out;
  }
}
