/**
 * Leases ("one quoter per market") over the real Redis and PostgreSQL servers and
 * in memory: the same suite runs over all three stores.
 */
import { performance } from "node:perf_hooks";
import Redis from "ioredis";
import { createLeaseStore, LeaseKeeper, type Lease, type LeaseStore } from "../../lib/lease";
import type { RuntimeEnv } from "../../lib/runtime/env";
import { uniqueName } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(15_000);

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const SQLITE = { dialect: "sqlite", storage: ":memory:" } as const;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type StoreEnv = Pick<RuntimeEnv, "cacher" | "database">;

/** The store with every method call counted by name. */
function counted(store: LeaseStore): { store: LeaseStore; calls: Record<string, number> } {
  const calls: Record<string, number> = {};
  const proxy = new Proxy(store, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls[String(prop)] = (calls[String(prop)] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

/** Requests the store sends to its server (PostgreSQL queries, Redis commands); null for memory. */
function wireRequests(store: LeaseStore): (() => number) | null {
  const inner = store as unknown as { pool?: { query: (...a: unknown[]) => unknown }; redis?: { sendCommand: (...a: unknown[]) => unknown } };
  const [host, method] = inner.pool ? [inner.pool, "query" as const] : inner.redis ? [inner.redis, "sendCommand" as const] : [null, null];
  if (!host || !method) return null;
  let n = 0;
  const original = (host as Record<string, (...a: unknown[]) => unknown>)[method].bind(host);
  (host as Record<string, (...a: unknown[]) => unknown>)[method] = (...args: unknown[]) => {
    n++;
    return original(...args);
  };
  return () => n;
}

interface Backend {
  setup(): Promise<StoreEnv>;
  teardown(namespace: string): Promise<void>;
}

let pg: TempDatabase | null = null;

const backends: Array<[string, Backend]> = [
  [
    "redis",
    {
      setup: async () => ({ cacher: { type: "Redis", url: REDIS_URL }, database: SQLITE }),
      async teardown(namespace) {
        const redis = new Redis(REDIS_URL);
        try {
          const keys = await redis.keys(`${namespace}:*`);
          if (keys.length > 0) await redis.del(...keys);
        } finally {
          await redis.quit();
        }
      },
    },
  ],
  [
    "postgres",
    {
      async setup() {
        pg = await createTempDatabase();
        return { cacher: { type: "Memory" }, database: { dialect: "postgres", url: pg.url } };
      },
      async teardown() {
        await pg?.drop();
        pg = null;
      },
    },
  ],
  ["memory", { setup: async () => ({ cacher: { type: "Memory" }, database: SQLITE }), teardown: async () => undefined }],
];

describe.each(backends)("lease store: %s", (name, backend) => {
  const namespace = uniqueName(`lease_${name}`);
  let env: StoreEnv;
  let stores: LeaseStore[] = [];
  let n = 0;
  const key = () => `market-${++n}`;
  /** A store with its own connection, as one node would have. */
  const node = () => {
    const store = createLeaseStore(env, namespace);
    stores.push(store);
    return store;
  };

  beforeAll(async () => {
    env = await backend.setup();
  });

  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
  });

  afterAll(async () => {
    await backend.teardown(namespace);
  });

  it("picks the backend from the environment", () => {
    const expected = { redis: "RedisLeaseStore", postgres: "PostgresLeaseStore", memory: "MemoryLeaseStore" }[name];
    expect(node().constructor.name).toBe(expected);
  });

  it("lets exactly one of N concurrent acquirers win; another gets it after expiry with a larger token", async () => {
    const k = key();
    const nodes = Array.from({ length: 6 }, () => node());
    const results = await Promise.all(nodes.map((s, i) => s.acquire(k, `owner-${i}`, 200)));
    const winners = results.filter((r): r is Lease => r !== null);
    expect(winners).toHaveLength(1);
    const first = winners[0];
    expect(first).toMatchObject({ key: k, owner: expect.stringMatching(/^owner-\d$/) });
    expect(await nodes[0].holder(k)).toMatchObject({ owner: first.owner, token: first.token });
    const loser = results.findIndex((r) => r === null);
    expect(await nodes[loser].acquire(k, `owner-${loser}`, 200)).toBeNull();

    await sleep(260);
    expect(await nodes[0].holder(k)).toBeNull();
    const second = await nodes[loser].acquire(k, `owner-${loser}`, 1000);
    expect(second).toMatchObject({ owner: `owner-${loser}` });
    expect(second!.token).toBeGreaterThan(first.token);
    // The old holder's renew is refused now.
    const winnerIndex = results.indexOf(first);
    expect(await nodes[winnerIndex].renew(k, first.owner, 1000)).toBeNull();
  });

  it("renews for the owner only, keeping the token; acquire by the owner renews too", async () => {
    const k = key();
    const [a, b] = [node(), node()];
    const lease = (await a.acquire(k, "a", 500))!;
    expect(await b.renew(k, "b", 500)).toBeNull();
    await sleep(20);
    const renewed = await a.renew(k, "a", 500);
    expect(renewed).toMatchObject({ owner: "a", token: lease.token });
    expect(renewed!.expiresAt).toBeGreaterThan(lease.expiresAt);
    const again = await a.acquire(k, "a", 500);
    expect(again).toMatchObject({ owner: "a", token: lease.token });
    expect(await b.holder(k)).toMatchObject({ owner: "a", token: lease.token });
    // Renewing a lease that never existed fails as well.
    expect(await a.renew(key(), "a", 500)).toBeNull();
  });

  it("release by the owner lets others take it at once; release by another does nothing", async () => {
    const k = key();
    const [a, b] = [node(), node()];
    const lease = (await a.acquire(k, "a", 10_000))!;
    expect(await b.acquire(k, "b", 10_000)).toBeNull();
    await b.release(k, "b");
    expect(await b.holder(k)).toMatchObject({ owner: "a" });
    await a.release(k, "a");
    expect(await b.holder(k)).toBeNull();
    const taken = await b.acquire(k, "b", 10_000);
    expect(taken).toMatchObject({ owner: "b" });
    expect(taken!.token).toBeGreaterThan(lease.token);
    // And back: tokens keep increasing across releases.
    await b.release(k, "b");
    const back = await a.acquire(k, "a", 10_000);
    expect(back!.token).toBeGreaterThan(taken!.token);
  });

  it("LeaseKeeper: held() turns false before the lease expires on the store when renewals fail", async () => {
    const k = key();
    const ttl = 300;
    const observer = node();
    const lost: string[] = [];
    const errors: Error[] = [];
    const keeper = new LeaseKeeper({ store: node(), key: k, owner: "a", ttlMs: ttl, onLost: (r) => lost.push(r), onError: (e) => errors.push(e) });
    await keeper.start();
    try {
      expect(keeper.held()).toBe(true);
      await sleep(120); // past one renewal
      expect(keeper.held()).toBe(true);
      const token = keeper.lease()!.token;
      // This node is cut off from the store: every renewal fails from now on.
      await stores[1].close();
      const cutAt = performance.now();
      while (keeper.held()) await sleep(2);
      const falseAfter = performance.now() - cutAt;
      // ...and at that moment the store still holds our lease: nobody else can have it yet.
      const onStore = await observer.holder(k);
      expect(onStore).toMatchObject({ owner: "a", token });
      expect(falseAfter).toBeLessThan(ttl - keeper.safetyMarginMs + 10);
      await sleep(20);
      expect(lost).toEqual(["not renewed in time"]);
      expect(errors.length).toBeGreaterThan(0);
      // Once it has expired on the store, another owner takes it with a larger token.
      let next: Lease | null = null;
      const until = performance.now() + ttl + 200;
      while (!(next = await observer.acquire(k, "b", 1000)) && performance.now() < until) await sleep(5);
      expect(next!.token).toBeGreaterThan(token);
    } finally {
      await keeper.stop();
    }
  });

  it("LeaseKeeper: reports the loss at the next renewal when the key is taken from under it", async () => {
    const k = key();
    const lost: string[] = [];
    const acquired: Lease[] = [];
    const keeper = new LeaseKeeper({ store: node(), key: k, owner: "a", ttlMs: 300, onAcquired: (l) => acquired.push(l), onLost: (r) => lost.push(r) });
    await keeper.start();
    try {
      expect(acquired).toHaveLength(1);
      const thief = node();
      await thief.release(k, "a"); // impersonates the owner: outside the protocol
      const stolen = await thief.acquire(k, "thief", 5000);
      expect(stolen!.token).toBeGreaterThan(acquired[0].token);
      const until = performance.now() + keeper.intervalMs + 200;
      while (keeper.held() && performance.now() < until) await sleep(5);
      expect(keeper.held()).toBe(false);
      expect(lost).toEqual(["renew refused: the lease was taken or released"]);
    } finally {
      await keeper.stop();
    }
    expect(lost).toHaveLength(1); // stop() of a keeper that holds nothing reports nothing more
  });

  it("LeaseKeeper: two keepers of one key are never both held, across a crash of the holder", async () => {
    const k = key();
    const ttl = 300;
    const storeA = node();
    const storeB = node();
    const a = new LeaseKeeper({ store: storeA, key: k, owner: "node-a", ttlMs: ttl });
    await a.start();
    const b = new LeaseKeeper({ store: storeB, key: k, owner: "node-b", ttlMs: ttl });
    await b.start();
    expect(a.held()).toBe(true);
    expect(b.held()).toBe(false);
    const tokenA = a.lease()!.token;
    let both = 0;
    let aHeld = 0;
    let bHeld = 0;
    let tokenB = 0;
    const started = performance.now();
    let crashed = false;
    try {
      while (performance.now() - started < 1500) {
        if (!crashed && performance.now() - started > 300) {
          // node-a stops renewing without releasing (its link to the store is gone) while
          // its keeper still answers held(): the harsher form of a crash.
          crashed = true;
          await storeA.close();
        }
        const ha = a.held();
        const hb = b.held();
        if (ha && hb) both++;
        if (ha) aHeld++;
        if (hb) {
          bHeld++;
          tokenB = b.lease()?.token ?? tokenB;
        }
        await sleep(5);
      }
    } finally {
      await a.stop({ release: false });
      await b.stop();
    }
    expect(both).toBe(0);
    expect(aHeld).toBeGreaterThan(10);
    expect(bHeld).toBeGreaterThan(10);
    expect(tokenB).toBeGreaterThan(tokenA);
  });

  it("LeaseKeeper.stop() releases so the other keeper takes over at its next attempt", async () => {
    const k = key();
    const a = new LeaseKeeper({ store: node(), key: k, owner: "a", ttlMs: 3000, intervalMs: 50 });
    const b = new LeaseKeeper({ store: node(), key: k, owner: "b", ttlMs: 3000, intervalMs: 50 });
    await a.start();
    await b.start();
    try {
      expect(a.held()).toBe(true);
      await a.stop();
      expect(a.held()).toBe(false);
      const until = performance.now() + 1000;
      while (!b.held() && performance.now() < until) await sleep(5);
      expect(b.held()).toBe(true);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
  it("acquireMany/renewMany: one call for many keys; a lease taken by another owner is reported and not extended", async () => {
    const [a, b] = [node(), node()];
    const [short, long, other, fresh] = [key(), key(), key(), key()];
    await a.acquire(short, "a", 150);
    const held = (await a.acquire(long, "a", 10_000))!;
    const others = (await b.acquire(other, "b", 10_000))!;
    await sleep(220); // `short` expired on the store...
    const taken = (await b.acquire(short, "b", 1000))!; // ...and another owner took it
    const renewed = await a.renewMany([short, long, other, long, key()], "a", 60_000);
    expect([...renewed.keys()]).toEqual([long]);
    expect(renewed.get(long)).toMatchObject({ key: long, owner: "a", token: held.token });
    expect(renewed.get(long)!.expiresAt).toBeGreaterThan(held.expiresAt + 40_000);
    // Neither the taken lease nor another owner's was extended to a's 60 s.
    const now = await b.holder(short);
    expect(now).toMatchObject({ owner: "b", token: taken.token });
    expect(now!.expiresAt).toBeLessThanOrEqual(taken.expiresAt + 5);
    expect((await b.holder(other))!.expiresAt).toBeLessThanOrEqual(others.expiresAt + 5);
    // acquireMany takes the free keys, renews its own (same token), leaves the others' alone.
    const got = await b.acquireMany([short, long, fresh], "b", 1000);
    expect([...got.keys()].sort()).toEqual([fresh, short].sort());
    expect(got.get(short)).toMatchObject({ owner: "b", token: taken.token });
    expect(got.get(fresh)).toMatchObject({ owner: "b", token: expect.any(Number) });
    expect(await a.holder(long)).toMatchObject({ owner: "a", token: held.token });
    expect(await a.renewMany([], "a", 1000)).toEqual(new Map());
  });

  it("LeaseKeeper: 50 leases of one node are renewed in one request per round and stay held past several TTLs against a standby node", async () => {
    const ttl = 300;
    const keys = Array.from({ length: 50 }, () => key());
    const rawA = node();
    const wire = wireRequests(rawA);
    const { store: storeA, calls: callsA } = counted(rawA);
    const { store: storeB, calls: callsB } = counted(node());
    const lost: string[] = [];
    const acquired: string[] = [];
    const a = keys.map((k) => new LeaseKeeper({ store: storeA, key: k, owner: "node-a", ttlMs: ttl, onAcquired: () => acquired.push(k), onLost: (r) => lost.push(`${k}: ${r}`) }));
    await Promise.all(a.map((kp) => kp.start()));
    const b = keys.map((k) => new LeaseKeeper({ store: storeB, key: k, owner: "node-b", ttlMs: ttl }));
    await Promise.all(b.map((kp) => kp.start()));
    try {
      expect(acquired).toHaveLength(50);
      expect(a.every((kp) => kp.held())).toBe(true);
      await sleep(a[0].intervalMs + 30); // one round done: scripts loaded, everyone in the round
      const before = { a: { ...callsA }, b: { ...callsB }, wire: wire?.() ?? 0 };
      const started = performance.now();
      let gaps = 0;
      let both = 0;
      while (performance.now() - started < 4 * ttl) {
        if (!a.every((kp) => kp.held())) gaps++;
        if (b.some((kp) => kp.held())) both++;
        await sleep(10);
      }
      const delta = (calls: Record<string, number>, was: Record<string, number>, m: string) => (calls[m] ?? 0) - (was[m] ?? 0);
      const rounds = delta(callsA, before.a, "renewMany");
      // 4 TTLs at ttl/3 per round: about 12 rounds, each ONE request for all 50 leases.
      expect(rounds).toBeGreaterThanOrEqual(8);
      expect(rounds).toBeLessThanOrEqual(14);
      for (const m of ["renew", "acquire", "acquireMany"]) expect(delta(callsA, before.a, m)).toBe(0);
      if (wire) expect(wire() - before.wire).toBe(rounds);
      // The standby node asks for all 50 in one request per round too.
      expect(delta(callsB, before.b, "acquireMany")).toBeGreaterThanOrEqual(8);
      expect(delta(callsB, before.b, "acquireMany")).toBeLessThanOrEqual(14);
      expect(delta(callsB, before.b, "acquire")).toBe(0);
      expect(gaps).toBe(0);
      expect(both).toBe(0);
      expect(lost).toEqual([]);
      // One lease taken from under node-a: only that keeper reports the loss, at the next round.
      const thief = node();
      await thief.release(keys[7], "node-a"); // impersonates the owner: outside the protocol
      expect(await thief.acquire(keys[7], "thief", 5000)).toMatchObject({ owner: "thief" });
      const until = performance.now() + a[7].intervalMs + 300;
      while (a[7].held() && performance.now() < until) await sleep(5);
      expect(a[7].held()).toBe(false);
      expect(lost).toEqual([`${keys[7]}: renew refused: the lease was taken or released`]);
      await sleep(a[0].intervalMs + 30);
      expect(a.filter((kp) => kp.held())).toHaveLength(49);
      expect(await thief.holder(keys[7])).toMatchObject({ owner: "thief" });
    } finally {
      await Promise.all([...a, ...b].map((kp) => kp.stop()));
    }
    // stop() released every lease: node-b's keepers are stopped too, so all are free.
    for (const k of keys.slice(0, 5)) expect(await storeB.holder(k)).toBeNull();
  });
});
