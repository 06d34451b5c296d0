/**
 * Leases in PostgreSQL: one row per (namespace, key) in `mm_leases` (created if
 * missing). Expiry is decided by the server's now(), so nodes' clocks do not matter.
 * A released or expired row is kept (expires_at in the past) so the fencing token
 * keeps increasing: a new owner gets token + 1, the same owner renewing keeps it.
 *
 * acquireMany/renewMany are one statement each over an array of keys. Both lock the
 * rows in key order (COLLATE "C"), so a node renewing its leases and another node
 * trying to take the same ones in one batch wait for each other, never deadlock.
 */
import { Pool } from "pg";
import { batchKeys, checkTtl, LeaseStoreClosedError, type Lease, type LeaseStore } from "./types";

export const LEASE_TABLE = "mm_leases";

const CREATE = `CREATE TABLE IF NOT EXISTS ${LEASE_TABLE} (
  namespace text NOT NULL,
  key text NOT NULL,
  owner text NOT NULL,
  token bigint NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (namespace, key)
)`;

const EXPIRES_MS = "(extract(epoch from expires_at) * 1000)::float8 AS expires_ms";

const ACQUIRE = `INSERT INTO ${LEASE_TABLE} AS l (namespace, key, owner, token, expires_at)
VALUES ($1, $2, $3, 1, now() + $4 * interval '1 millisecond')
ON CONFLICT (namespace, key) DO UPDATE SET
  token = CASE WHEN l.owner = EXCLUDED.owner AND l.expires_at >= now() THEN l.token ELSE l.token + 1 END,
  owner = EXCLUDED.owner,
  expires_at = EXCLUDED.expires_at
WHERE l.expires_at < now() OR l.owner = EXCLUDED.owner
RETURNING owner, token, ${EXPIRES_MS}`;

const RENEW = `UPDATE ${LEASE_TABLE} SET expires_at = now() + $4 * interval '1 millisecond'
WHERE namespace = $1 AND key = $2 AND owner = $3 AND expires_at >= now()
RETURNING owner, token, ${EXPIRES_MS}`;

/** $2: keys. Only rows still ours and unexpired are locked, in key order, then extended. */
const RENEW_MANY = `WITH mine AS (
  SELECT key FROM ${LEASE_TABLE}
  WHERE namespace = $1 AND key = ANY($2::text[]) AND owner = $3 AND expires_at >= now()
  ORDER BY key COLLATE "C" FOR UPDATE
)
UPDATE ${LEASE_TABLE} AS l SET expires_at = now() + $4 * interval '1 millisecond'
FROM mine WHERE l.namespace = $1 AND l.key = mine.key AND l.owner = $3 AND l.expires_at >= now()
RETURNING l.key, l.owner, l.token, (extract(epoch from l.expires_at) * 1000)::float8 AS expires_ms`;

/** ACQUIRE over $2: keys, inserted (and so locked) in key order. */
const ACQUIRE_MANY = `INSERT INTO ${LEASE_TABLE} AS l (namespace, key, owner, token, expires_at)
SELECT $1, k, $3, 1, now() + $4 * interval '1 millisecond' FROM unnest($2::text[]) AS k ORDER BY k COLLATE "C"
ON CONFLICT (namespace, key) DO UPDATE SET
  token = CASE WHEN l.owner = EXCLUDED.owner AND l.expires_at >= now() THEN l.token ELSE l.token + 1 END,
  owner = EXCLUDED.owner,
  expires_at = EXCLUDED.expires_at
WHERE l.expires_at < now() OR l.owner = EXCLUDED.owner
RETURNING key, owner, token, ${EXPIRES_MS}`;

const RELEASE = `UPDATE ${LEASE_TABLE} SET expires_at = '-infinity'
WHERE namespace = $1 AND key = $2 AND owner = $3`;

const HOLDER = `SELECT owner, token, ${EXPIRES_MS} FROM ${LEASE_TABLE}
WHERE namespace = $1 AND key = $2 AND expires_at >= now()`;

interface Row {
  key?: string;
  owner: string;
  token: string | number;
  expires_ms: number;
}

export class PostgresLeaseStore implements LeaseStore {
  private readonly pool: Pool;
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(url: string, readonly namespace: string) {
    // Steady state needs at most two connections (one renewal round, one acquire round);
    // the rest serves first acquisitions and releases as bots start and stop.
    this.pool = new Pool({ connectionString: url, max: 4, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 2000 });
    this.pool.on("error", () => undefined); // an idle client's failure surfaces on the next query
  }

  private async ensureTable(): Promise<void> {
    try {
      await this.pool.query(CREATE);
    } catch (err) {
      // Two nodes creating the table at once: the loser sees a duplicate type/table.
      const code = (err as { code?: string }).code;
      if (code !== "23505" && code !== "42P07" && code !== "42710") throw err;
    }
  }

  private async query(sql: string, params: unknown[]): Promise<Row[]> {
    if (this.closed) throw new LeaseStoreClosedError();
    if (!this.ready) this.ready = this.ensureTable().catch((err) => ((this.ready = null), Promise.reject(err)));
    await this.ready;
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  private lease(key: string, rows: Row[]): Lease | null {
    const row = rows[0];
    return row ? { key, owner: row.owner, token: Number(row.token), expiresAt: Math.round(Number(row.expires_ms)) } : null;
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return this.lease(key, await this.query(ACQUIRE, [this.namespace, key, owner, checkTtl(ttlMs)]));
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    return this.lease(key, await this.query(RENEW, [this.namespace, key, owner, checkTtl(ttlMs)]));
  }

  async acquireMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    return this.many(ACQUIRE_MANY, keys, owner, ttlMs);
  }

  async renewMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    return this.many(RENEW_MANY, keys, owner, ttlMs);
  }

  private async many(sql: string, keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    checkTtl(ttlMs);
    const out = new Map<string, Lease>();
    if (keys.length === 0) return out;
    for (const row of await this.query(sql, [this.namespace, batchKeys(keys), owner, ttlMs])) out.set(row.key as string, this.lease(row.key as string, [row])!);
    return out;
  }

  async release(key: string, owner: string): Promise<void> {
    await this.query(RELEASE, [this.namespace, key, owner]);
  }

  async holder(key: string): Promise<Lease | null> {
    return this.lease(key, await this.query(HOLDER, [this.namespace, key]));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
