/** A time-limited exclusive claim on a key (e.g. "the quoter of market X"). */
export interface Lease {
  key: string;
  owner: string;
  /** Fencing token: strictly increasing per key across owners (unchanged while one owner renews). */
  token: number;
  /** When the lease expires, epoch ms on the store's clock (Redis TIME / PostgreSQL now() / this process). */
  expiresAt: number;
}

export interface LeaseStore {
  /** Take the lease if free or expired (or already ours: then renew). null if another owner holds it. */
  acquire(key: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extend our lease; null if we no longer hold it (expired and taken, or released). */
  renew(key: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /**
   * acquire() for many keys in one round trip: the leases taken (or already ours, then
   * renewed), by key. A key missing from the answer is held by another owner.
   */
  acquireMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>>;
  /**
   * renew() for many keys in one round trip: the leases extended, by key. A key missing
   * from the answer is no longer ours (expired, taken, or released) and was NOT extended.
   */
  renewMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>>;
  release(key: string, owner: string): Promise<void>;
  holder(key: string): Promise<Lease | null>;
  close(): Promise<void>;
}

export class LeaseStoreClosedError extends Error {
  constructor() {
    super("The lease store is closed");
    this.name = "LeaseStoreClosedError";
  }
}

export function checkTtl(ttlMs: number): number {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive integer, got ${ttlMs}`);
  return ttlMs;
}

/** Distinct keys in one fixed order, so that a batch never names a key twice and batches touch keys in the same order. */
export function batchKeys(keys: string[]): string[] {
  return [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
