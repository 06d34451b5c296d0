/**
 * Leases held in this process only: every MemoryLeaseStore of one namespace shares
 * one table, so several keepers in one process exclude each other. For the embedded
 * default (one node); use Redis or PostgreSQL as soon as there are several nodes.
 */
import { batchKeys, checkTtl, LeaseStoreClosedError, type Lease, type LeaseStore } from "./types";

interface Entry {
  owner: string;
  token: number;
  expiresAt: number;
}

interface Table {
  entries: Map<string, Entry>;
  /** Last token issued per key; kept after release/expiry so tokens keep increasing. */
  tokens: Map<string, number>;
}

const tables = new Map<string, Table>();

function tableOf(namespace: string): Table {
  let table = tables.get(namespace);
  if (!table) {
    table = { entries: new Map(), tokens: new Map() };
    tables.set(namespace, table);
  }
  return table;
}

export class MemoryLeaseStore implements LeaseStore {
  private readonly table: Table;
  private closed = false;

  constructor(readonly namespace: string, private readonly now: () => number = Date.now) {
    this.table = tableOf(namespace);
  }

  private live(key: string): Entry | null {
    const entry = this.table.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.table.entries.delete(key);
      return null;
    }
    return entry;
  }

  private open(): void {
    if (this.closed) throw new LeaseStoreClosedError();
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    this.open();
    checkTtl(ttlMs);
    const current = this.live(key);
    if (current && current.owner !== owner) return null;
    let token = current?.token;
    if (token === undefined) {
      token = (this.table.tokens.get(key) ?? 0) + 1;
      this.table.tokens.set(key, token);
    }
    const entry = { owner, token, expiresAt: this.now() + ttlMs };
    this.table.entries.set(key, entry);
    return { key, ...entry };
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    this.open();
    checkTtl(ttlMs);
    const current = this.live(key);
    if (!current || current.owner !== owner) return null;
    current.expiresAt = this.now() + ttlMs;
    return { key, ...current };
  }

  async acquireMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    return this.many(keys, (key) => this.acquire(key, owner, ttlMs));
  }

  async renewMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    return this.many(keys, (key) => this.renew(key, owner, ttlMs));
  }

  private async many(keys: string[], one: (key: string) => Promise<Lease | null>): Promise<Map<string, Lease>> {
    const out = new Map<string, Lease>();
    for (const key of batchKeys(keys)) {
      const lease = await one(key);
      if (lease) out.set(key, lease);
    }
    return out;
  }

  async release(key: string, owner: string): Promise<void> {
    this.open();
    const current = this.live(key);
    if (current && current.owner === owner) this.table.entries.delete(key);
  }

  async holder(key: string): Promise<Lease | null> {
    this.open();
    const current = this.live(key);
    return current ? { key, ...current } : null;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
