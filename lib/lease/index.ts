/**
 * Leases: "one quoter per market". Each market-making bot runs where it holds the
 * lease of its market; the fencing token lets downstream writes reject a stale holder.
 *
 * createLeaseStore picks the backend from the runtime environment:
 *   CACHER=redis://…          → RedisLeaseStore (own connection, Lua scripts)
 *   DATABASE_URL=postgres://… → PostgresLeaseStore (table mm_leases)
 *   otherwise                 → MemoryLeaseStore (one process: the embedded default)
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
  if (env.cacher.type === "Redis") return new RedisLeaseStore(env.cacher.url, namespace);
  if (env.database.dialect === "postgres") return new PostgresLeaseStore(env.database.url, namespace);
  return new MemoryLeaseStore(namespace);
}
