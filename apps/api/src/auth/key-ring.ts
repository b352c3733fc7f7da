// API keys, kept only as SHA-256 hashes. Every check compares against every key in constant
// time, so how long a request takes says nothing about which key it came close to.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiKey } from '@gpuq/shared';

export interface Principal {
  tenant: string;
  isAdmin: boolean;
}

export const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

export class KeyRing {
  private readonly entries: Array<{ hash: Buffer; principal: Principal }>;

  constructor(keys: readonly ApiKey[]) {
    this.entries = keys.map((k) => ({ hash: Buffer.from(k.keySha256, 'hex'), principal: { tenant: k.tenant, isAdmin: k.isAdmin } }));
  }

  get isEmpty(): boolean {
    return this.entries.length === 0;
  }

  /** The key's principal, or undefined. */
  identify(key: string): Principal | undefined {
    const hash = sha256(key);
    let found: Principal | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.hash, hash)) found = entry.principal;
    }
    return found;
  }
}

/** `tenant:key,tenant:key` (GPUQ_API_KEYS) and `key,key` (GPUQ_ADMIN_KEYS) as hashed entries. */
export function keysFromEnv(apiKeys: string | undefined, adminKeys: string | undefined): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const entry of (apiKeys ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    if (at <= 0 || at === entry.length - 1) throw new Error(`GPUQ_API_KEYS entries are tenant:key; "${entry.slice(0, at > 0 ? at : 12)}…" is not`);
    keys.push({ tenant: entry.slice(0, at), keySha256: sha256(entry.slice(at + 1)).toString('hex'), isAdmin: false });
  }
  for (const key of (adminKeys ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    keys.push({ tenant: 'admin', keySha256: sha256(key).toString('hex'), isAdmin: true });
  }
  return keys;
}

/** `tenant:secret,…` (GPUQ_WEBHOOK_SECRETS). */
export function secretsFromEnv(text: string | undefined): Record<string, string> {
  const secrets: Record<string, string> = {};
  for (const entry of (text ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
    const at = entry.indexOf(':');
    if (at <= 0) throw new Error('GPUQ_WEBHOOK_SECRETS entries are tenant:secret');
    secrets[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return secrets;
}
