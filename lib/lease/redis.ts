/**
 * Leases in Redis, one atomic Lua script per operation, on the store's own
 * connection. The lease is a hash {owner, token} at `<ns>:lease:<key>` with a PX
 * expiry (Redis's clock decides expiry); the fencing token comes from INCR of
 * `<ns>:lease-token:<key>`, which never expires, so tokens keep increasing across
 * owners, releases and expiries.
 *
 * acquireMany/renewMany run the same per-key check-and-set for every key inside one
 * script (one round trip, atomic): a lease now held by someone else is neither
 * extended nor changed. All keys are named in KEYS, as a script must (one Redis
 * server or one hash slot; a cluster would need hash tags in the namespace).
 */
import Redis from "ioredis";
import { batchKeys, checkTtl, LeaseStoreClosedError, type Lease, type LeaseStore } from "./types";

const NOW_MS = "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

/** KEYS: lease, counter. ARGV: owner, ttlMs. → {1, token, expiresAt} or {0, holder}. */
const ACQUIRE = `
local cur = redis.call('HMGET', KEYS[1], 'owner', 'token')
if cur[1] and cur[1] ~= ARGV[1] then return {0, cur[1]} end
local token
if cur[1] == ARGV[1] and cur[2] then token = tonumber(cur[2]) else token = redis.call('INCR', KEYS[2]) end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'token', token)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
${NOW_MS}
return {1, token, now + tonumber(ARGV[2])}`;

/** KEYS: lease. ARGV: owner, ttlMs. → {1, token, expiresAt} or {0}. */
const RENEW = `
local cur = redis.call('HMGET', KEYS[1], 'owner', 'token')
if cur[1] ~= ARGV[1] then return {0} end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
${NOW_MS}
return {1, tonumber(cur[2]), now + tonumber(ARGV[2])}`;

/** KEYS: lease keys. ARGV: owner, ttlMs. → {now + ttl, token_1, …, token_n}, token 0 where the key is not ours. */
const RENEW_MANY = `
local tokens = {}
for i, key in ipairs(KEYS) do
  local cur = redis.call('HMGET', key, 'owner', 'token')
  if cur[1] == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
    tokens[i] = tonumber(cur[2])
  else
    tokens[i] = 0
  end
end
${NOW_MS}
table.insert(tokens, 1, now + tonumber(ARGV[2]))
return tokens`;

/** KEYS: lease_1, counter_1, …, lease_n, counter_n. ARGV: owner, ttlMs. → {now + ttl, token_1, …}, 0 where another owner holds it. */
const ACQUIRE_MANY = `
local tokens = {}
for i = 1, #KEYS, 2 do
  local cur = redis.call('HMGET', KEYS[i], 'owner', 'token')
  local token = 0
  if not cur[1] or cur[1] == ARGV[1] then
    if cur[1] == ARGV[1] and cur[2] then token = tonumber(cur[2]) else token = redis.call('INCR', KEYS[i + 1]) end
    redis.call('HSET', KEYS[i], 'owner', ARGV[1], 'token', token)
    redis.call('PEXPIRE', KEYS[i], ARGV[2])
  end
  table.insert(tokens, token)
end
${NOW_MS}
table.insert(tokens, 1, now + tonumber(ARGV[2]))
return tokens`;

/** KEYS: lease. ARGV: owner. */
const RELEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** KEYS: lease. → {owner, token, expiresAt} or {}. */
const HOLDER = `
local cur = redis.call('HMGET', KEYS[1], 'owner', 'token')
local ttl = redis.call('PTTL', KEYS[1])
if not cur[1] or ttl < 0 then return {} end
${NOW_MS}
return {cur[1], tonumber(cur[2]), now + ttl}`;

type LeaseRedis = Redis & {
  leaseAcquire(lease: string, counter: string, owner: string, ttl: number): Promise<[number, number | string, number?]>;
  leaseRenew(lease: string, owner: string, ttl: number): Promise<[number, number?, number?]>;
  leaseRenewMany(...args: Array<string | number>): Promise<number[]>;
  leaseAcquireMany(...args: Array<string | number>): Promise<number[]>;
  leaseRelease(lease: string, owner: string): Promise<number>;
  leaseHolder(lease: string): Promise<[string, number, number] | []>;
};

export class RedisLeaseStore implements LeaseStore {
  private readonly redis: LeaseRedis;
  private closed = false;

  constructor(url: string, readonly namespace: string) {
    // Its own connection; a command fails (rather than waits for ever) while Redis is away.
    const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false });
    redis.on("error", () => undefined); // failures surface as rejected commands
    redis.defineCommand("leaseAcquire", { numberOfKeys: 2, lua: ACQUIRE });
    redis.defineCommand("leaseRenew", { numberOfKeys: 1, lua: RENEW });
    redis.defineCommand("leaseRenewMany", { lua: RENEW_MANY });
    redis.defineCommand("leaseAcquireMany", { lua: ACQUIRE_MANY });
    redis.defineCommand("leaseRelease", { numberOfKeys: 1, lua: RELEASE });
    redis.defineCommand("leaseHolder", { numberOfKeys: 1, lua: HOLDER });
    this.redis = redis as LeaseRedis;
  }

  private leaseKey(key: string): string {
    return `${this.namespace}:lease:${key}`;
  }

  private open(): void {
    if (this.closed) throw new LeaseStoreClosedError();
  }

  async acquire(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    this.open();
    const [ok, token, expiresAt] = await this.redis.leaseAcquire(this.leaseKey(key), `${this.namespace}:lease-token:${key}`, owner, checkTtl(ttlMs));
    return ok === 1 ? { key, owner, token: Number(token), expiresAt: Number(expiresAt) } : null;
  }

  async renew(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    this.open();
    const [ok, token, expiresAt] = await this.redis.leaseRenew(this.leaseKey(key), owner, checkTtl(ttlMs));
    return ok === 1 ? { key, owner, token: Number(token), expiresAt: Number(expiresAt) } : null;
  }

  async acquireMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    this.open();
    const batch = batchKeys(keys);
    if (batch.length === 0) return new Map();
    const names = batch.flatMap((key) => [this.leaseKey(key), `${this.namespace}:lease-token:${key}`]);
    return this.leases(batch, owner, await this.redis.leaseAcquireMany(names.length, ...names, owner, checkTtl(ttlMs)));
  }

  async renewMany(keys: string[], owner: string, ttlMs: number): Promise<Map<string, Lease>> {
    this.open();
    const batch = batchKeys(keys);
    if (batch.length === 0) return new Map();
    return this.leases(batch, owner, await this.redis.leaseRenewMany(batch.length, ...batch.map((k) => this.leaseKey(k)), owner, checkTtl(ttlMs)));
  }

  /** A batch script's answer {expiresAt, token per key (0: not ours)} as leases by key. */
  private leases(keys: string[], owner: string, [expiresAt, ...tokens]: number[]): Map<string, Lease> {
    const out = new Map<string, Lease>();
    keys.forEach((key, i) => {
      if (Number(tokens[i]) > 0) out.set(key, { key, owner, token: Number(tokens[i]), expiresAt: Number(expiresAt) });
    });
    return out;
  }

  async release(key: string, owner: string): Promise<void> {
    this.open();
    await this.redis.leaseRelease(this.leaseKey(key), owner);
  }

  async holder(key: string): Promise<Lease | null> {
    this.open();
    const res = await this.redis.leaseHolder(this.leaseKey(key));
    if (res.length === 0) return null;
    return { key, owner: String(res[0]), token: Number(res[1]), expiresAt: Number(res[2]) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }
}
