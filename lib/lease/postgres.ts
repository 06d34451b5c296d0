/**
 * Leases in PostgreSQL: one row per (namespace, key) in `mm_leases` (created if
 * missing). Expiry is decided by the server's now(), so nodes' clocks do not matter.
 * A released or expired row is kept (expires_at in the past) so the fencing token
 * keeps increasing: a new owner gets token + 1, the same owner renewing keeps it.
 */
import { Pool } from "pg";
import { checkTtl, LeaseStoreClosedError, type Lease, type LeaseStore } from "./types";

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

const RELEASE = `UPDATE ${LEASE_TABLE} SET expires_at = '-infinity'
WHERE namespace = $1 AND key = $2 AND owner = $3`;

const HOLDER = `SELECT owner, token, ${EXPIRES_MS} FROM ${LEASE_TABLE}
WHERE namespace = $1 AND key = $2 AND expires_at >= now()`;

interface Row {
  owner: string;
  token: string | number;
  expires_ms: number;
}

export class PostgresLeaseStore implements LeaseStore {
  private readonly pool: Pool;
  private ready: Promise<void> | null = null;
  private closed = false;

  constructor(url: string, readonly namespace: string) {
    this.pool = new Pool({ connectionString: url, max: 8, idleTimeoutMillis: 10_000, connectionTimeoutMillis: 2000 });
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
