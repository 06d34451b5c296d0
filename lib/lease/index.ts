/**
 * Leases: "one quoter per market". Each market-making bot runs where it holds the
 * lease of its market; the fencing token lets downstream writes reject a stale holder.
 *
 * createLeaseStore picks the backend from the runtime environment:
 *   DATABASE_URL=postgres://… → PostgresLeaseStore (table mm_leases)
 *   else CACHER=redis://…     → RedisLeaseStore (own connection, Lua scripts)
 *   otherwise                 → MemoryLeaseStore (one process: the embedded default)
 * PostgreSQL first: the bots' state lives there anyway, while Redis is only a cache — with it
 * down the system keeps quoting (the fault drill found a Redis lease stopping every bot).
 */
import type { RuntimeEnv } from "../runtime/env";
import { MemoryLeaseStore } from "./memory";
import { PostgresLeaseStore } from "./postgres";
import { RedisLeaseStore } from "./redis";
import type { LeaseStore } from "./types";

export * from "./types";
export { LeaseKeeper, type LeaseKeeperOptions } from "./keeper";
export { MemoryLeaseStore } from "./memory";
export { PostgresLeaseStore, LEASE_TABLE } from "./postgres";
export { RedisLeaseStore } from "./redis";

export function createLeaseStore(env: Pick<RuntimeEnv, "cacher" | "database">, namespace: string): LeaseStore {
  if (env.database.dialect === "postgres") return new PostgresLeaseStore(env.database.url, namespace);
  if (env.cacher.type === "Redis") return new RedisLeaseStore(env.cacher.url, namespace);
  return new MemoryLeaseStore(namespace);
}
