/**
 * Issue 14, "one venue's trouble stays its own", on the fake Binance with the real ccxt
 * client: a 5xx burst / 429 storm on Binance opens Binance's own breaker (503 naming it,
 * Retry-After over HTTP) while paper orders are accepted throughout; the exchange's clock
 * 3 s behind or ahead (orders place after one resync, none twice, the offset gauge);
 * rate budgets in ccxt cost units shared by two nodes through Redis; testnets through
 * `sandbox: true` with spot endpoints only; markets documents naming unknown venues or keys.
 */
import { ServiceBroker } from "moleculer";
import { VenueRegistry, createRedisRateLimitBackend, type ExchangeClient, type WireOrder } from "../../lib/cex";
import { CLOCK_OFFSET_METRIC } from "../../lib/cex/clock-metric";
import { createBrokerOptions } from "../../moleculer.config";
import { createNode } from "../../services";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import { testEnv, uniqueName } from "../support/env";
import { http, startGateway } from "../support/http";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig, type FakeBinanceEndpoint } from "../support/fake-binance";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";
const BOOK = { bids: [[50000, 1]] as [number, number][], asks: [[50001, 1]] as [number, number][] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;
const cid = (tag: string) => `v-${tag}-${Date.now().toString(36)}-${seq++}`;

type Failure = { code: number; type: string; message: string; data?: Record<string, unknown>; name: string };
const failure = (p: Promise<unknown>): Promise<Failure> =>
  p.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err as Failure,
  );

describe("one venue's trouble stays its own (through the gateway)", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let base: string;
  let token: string;

  const order = (exchange: string, clientOrderId: string) =>
    http(base, "POST", `/api/v1/cex/${exchange}/orders`, { token, body: { symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "1000", clientOrderId } });

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook("BTCUSDT", BOOK);
    env = testEnv({
      SERVICES: "api,auth,config,keys,cex",
      MASTER_KEY: "master-key-for-venue-tests",
      RATE_LIMIT_PER_MINUTE: "100000",
      EXCHANGE_OVERRIDES: JSON.stringify({ binance: { ...fakeBinanceConfig(ep), rateLimit: 1 } }),
    });
    broker = createNode(env, { logger: false });
    ({ base, token } = await startGateway(broker));
    await broker.call("keys.add", { id: "binance-iso", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret } });
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-iso" } });
    expect((await order("binance", cid("warm"))).status).toBe(200);
  });

  afterAll(async () => {
    await broker?.stop();
    await fake.stop();
    env?.cleanup();
  });

  it("a 5xx burst on Binance opens Binance's breaker only: 503 naming binance with Retry-After, paper orders accepted throughout", async () => {
    fake.failNext(10_000, 500, undefined, { path: "/api/v3/order", method: "POST" });
    const binance: Array<{ status: number; body: { error: { code: string; message: string; data?: { exchange?: string; retryAfterMs?: number } } }; retryAfter: string | null }> = [];
    const paper: number[] = [];
    try {
      for (let i = 0; i < 25; i++) {
        const b = await order("binance", cid("burst"));
        binance.push({ status: b.status, body: b.body, retryAfter: b.headers.get("retry-after") });
        paper.push((await order("paper", cid("paper"))).status);
      }
    } finally {
      fake.clearFailures();
    }
    // Moleculer's action breaker would have opened on cex.createOrder for every venue (404 SERVICE_NOT_AVAILABLE).
    expect(paper.every((s) => s === 200)).toBe(true);
    expect(binance.every((b) => b.status === 503)).toBe(true);
    expect(binance.every((b) => b.body.error.message.includes("binance") && b.body.error.data?.exchange === "binance")).toBe(true);
    expect(binance[0].body.error.code).toBe("EXCHANGE_UNAVAILABLE");
    const open = binance.filter((b) => b.body.error.code === "EXCHANGE_CIRCUIT_OPEN");
    expect(open.length).toBeGreaterThan(15);
    expect(Number(open[0].retryAfter)).toBeGreaterThanOrEqual(1);
    // Refused before leaving: the fake saw far fewer order requests than were asked.
    expect(fake.requests({ method: "POST", path: "/api/v3/order" }).filter((r) => r.status === 500).length).toBeLessThan(15);
    // Reads of Binance are refused by the same breaker, naming it; paper reads go on.
    const book = await http(base, "GET", "/api/v1/cex/binance/book/BTC/USDT", { token });
    expect(book.status).toBe(503);
    expect(book.body.error).toMatchObject({ code: "EXCHANGE_CIRCUIT_OPEN", data: { exchange: "binance" } });
    expect((await http(base, "GET", "/api/v1/cex/paper/book/BTC/USDT", { token })).status).toBe(200);
  });

  it("a 429 storm on Binance: 503 EXCHANGE_RATE_LIMITED naming binance with Retry-After, paper untouched", async () => {
    // The breaker of the previous test may still be open: wait it out, then storm.
    await sleep(10_500);
    fake.failNext(10_000, 429, undefined, { retryAfter: 2 });
    try {
      const statuses: number[] = [];
      let limited: { status: number; body: { error: { code: string; message: string; data?: Record<string, unknown> } }; headers: Headers } | null = null;
      for (let i = 0; i < 25; i++) {
        const b = await order("binance", cid("storm"));
        if (!limited) limited = b;
        expect(b.status).toBe(503);
        expect(b.body.error.message).toContain("binance");
        statuses.push((await order("paper", cid("paper"))).status);
      }
      expect(statuses.every((s) => s === 200)).toBe(true);
      expect(limited!.body.error).toMatchObject({ code: "EXCHANGE_RATE_LIMITED", data: { exchange: "binance" } });
      expect(Number(limited!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      // the cooldown kept every request from the exchange until its Retry-After (2 s) had passed
      const hits = fake.requests().filter((r) => r.status === 429).map((r) => r.time);
      for (let i = 1; i < hits.length; i++) expect(hits[i] - hits[i - 1]).toBeGreaterThanOrEqual(1900);
    } finally {
      fake.clearFailures();
    }
  });
});

describe("exchange clock (recvWindow 2000 ms on the fake Binance)", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  const env = testEnv({ SERVICES: "config,keys,cex", MASTER_KEY: "master-key-for-clock-tests" });
  let broker: ServiceBroker;
  // Its own API key: budgets and 429 cooldowns are per key, process-wide.
  const account = { apiKey: uniqueName("clock-key"), secret: DEFAULT_ACCOUNT.secret, balances: { BTC: "10", USDT: "1000000" } };

  const gauge = () => (broker.metrics.getMetric(CLOCK_OFFSET_METRIC) as unknown as { get(l: object): { value: number } | null }).get({ exchange: "binance" })?.value;
  const place = (tag: string) =>
    broker.call<WireOrder, object>("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "40000", clientOrderId: cid(tag) }, { retries: 0 });

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook("BTCUSDT", BOOK);
    const nodeEnv = { ...env, exchangeOverrides: { binance: { ...fakeBinanceConfig(ep, { recvWindow: 2000 }), rateLimit: 1 } } };
    broker = new ServiceBroker({ ...createBrokerOptions(nodeEnv), metrics: { enabled: true, reporter: [] }, logger: false });
    broker.createService(createConfigService(nodeEnv));
    broker.createService(createKeysService(nodeEnv));
    broker.createService(createCexService(nodeEnv, { reconcileIntervalMs: 0, clockSyncIntervalMs: 0 }));
    await broker.start();
    fake.addAccount(account);
    await broker.call("keys.add", { id: "binance-clock", kind: "cex", payload: { exchange: "binance", apiKey: account.apiKey, secret: account.secret } });
  });

  afterAll(async () => {
    await broker?.stop();
    await fake.stop();
    env.cleanup();
  });

  it("with the exchange 3 s behind from the start: the offset is measured at open, orders place, the gauge says about -3000", async () => {
    fake.setTimeOffset(-3000);
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-clock" }, comment: "open" });
    fake.clearRequests();
    const placed = await place("behind");
    expect(placed.status).toBe("open");
    expect(fake.requests({ method: "POST", path: "/api/v3/order" }).map((r) => r.status)).toEqual([200]);
    expect(Math.abs(gauge()! + 3000)).toBeLessThan(500);
  });

  it("when the exchange's clock moves 3 s ahead after open: one -1021, a resync, one retry; the order exists once", async () => {
    fake.setTimeOffset(3000);
    fake.clearRequests();
    const tag = "ahead";
    const placed = await place(tag);
    expect(placed.status).toBe("open");
    const posts = fake.requests({ method: "POST", path: "/api/v3/order" });
    expect(posts.map((r) => r.status)).toEqual([400, 200]);
    expect(fake.requests({ path: "/api/v3/time" }).length).toBeGreaterThanOrEqual(1);
    expect(fake.orders().filter((o) => o.clientOrderId === placed.clientOrderId)).toHaveLength(1);
    expect(Math.abs(gauge()! - 3000)).toBeLessThan(500);
  });

  it("and back 3 s behind: reads and cancels resync and retry the same way", async () => {
    const placed = await place("cancel-me");
    fake.setTimeOffset(-3000);
    fake.clearRequests();
    const canceled = await broker.call<WireOrder, object>("cex.cancelOrder", { exchange: "binance", clientOrderId: placed.clientOrderId }, { retries: 0 });
    expect(canceled.status).toBe("canceled");
    expect(fake.requests({ method: "DELETE", path: "/api/v3/order" }).map((r) => r.status)).toEqual([400, 200]);
    const balance = await broker.call<{ balances: object }, object>("cex.balance", { exchange: "binance" }, { retries: 0 });
    expect(balance.balances).toHaveProperty("USDT");
    expect(Math.abs(gauge()! + 3000)).toBeLessThan(500);
  });

  it("a markets document asking for sandbox on a venue whose overrides pin urls.api is refused, naming the exchange", async () => {
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-clock", sandbox: true } });
    const refused = await failure(broker.call("cex.balance", { exchange: "binance" }, { retries: 0 }));
    expect(refused).toMatchObject({ code: 503, type: "EXCHANGE_MISCONFIGURED", data: { exchange: "binance" } });
    expect(refused.message).toContain("binance");
    expect(refused.message).toContain("urls.test");
  });
});

describe("rate budget in ccxt cost units, shared by two nodes through Redis", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook("BTCUSDT", BOOK);
  });
  afterAll(async () => {
    await fake.stop();
  });

  it("a budget of 8 per 2 s: two account reads (ccxt cost 4 each) fill it, the next calls wait for the next interval", async () => {
    const prefix = uniqueName("cex-budget");
    const backends = [createRedisRateLimitBackend("redis://127.0.0.1:6379", prefix), createRedisRateLimitBackend("redis://127.0.0.1:6379", prefix)];
    const overrides = { binance: { ...fakeBinanceConfig(ep), rateLimit: 1, rateBudget: { weight: 8, intervalMs: 2000 } } };
    const nodes = backends.map(
      (backend) => new VenueRegistry({ credentials: async () => ({ apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret }), overrides, rateLimit: backend, clockSyncIntervalMs: 0 }),
    );
    try {
      for (const b of backends) expect(await b.connected(5000)).toBe(true);
      // open both (time 0.2 + exchangeInfo 4 each), then start from a fresh interval
      for (const node of nodes) await node.call("binance", (c) => c.loadMarkets());
      await sleep(2100);
      fake.clearRequests();
      const [a, b] = nodes;
      await a.call("binance", (c: ExchangeClient) => c.fetchBalance());
      await b.call("binance", (c: ExchangeClient) => c.fetchBalance());
      await Promise.all([a.call("binance", (c) => c.fetchOrderBook(SYMBOL, 5)), b.call("binance", (c) => c.fetchOrderBook(SYMBOL, 5))]);
      const accounts = fake.requests({ path: "/api/v3/account" }).map((r) => r.time);
      const depths = fake.requests({ path: "/api/v3/depth" }).map((r) => r.time);
      expect(accounts).toHaveLength(2);
      expect(depths).toHaveLength(2);
      // 4 + 4 = 8 spent the interval: the depth reads (cost 1) went out in the next one
      for (const t of depths) expect(t - accounts[0]).toBeGreaterThanOrEqual(1800);
    } finally {
      for (const n of nodes) await n.close();
      for (const b of backends) await b.close();
    }
  });
});

describe("testnets: sandbox: true, spot endpoints only, and checked markets documents", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;
  const env = testEnv({ SERVICES: "config,keys,cex", MASTER_KEY: "master-key-for-sandbox-tests" });
  let broker: ServiceBroker;
  const account = { apiKey: uniqueName("sandbox-key"), secret: DEFAULT_ACCOUNT.secret, balances: { BTC: "10", USDT: "1000000" } };

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook("BTCUSDT", BOOK);
    // The fake stands in for the exchange's TEST URLs (urls.test), not its live ones; no fetchMarkets option:
    // the venue's marketType (spot by default) keeps futures endpoints out of loadMarkets.
    const testUrls = fakeBinanceConfig(ep).urls as { api: object };
    const nodeEnv = { ...env, exchangeOverrides: { binance: { urls: { test: testUrls.api }, rateLimit: 1 } } };
    broker = new ServiceBroker({ ...createBrokerOptions(nodeEnv), logger: false });
    broker.createService(createConfigService(nodeEnv));
    broker.createService(createKeysService(nodeEnv));
    broker.createService(createCexService(nodeEnv, { reconcileIntervalMs: 0 }));
    await broker.start();
    fake.addAccount(account);
    await broker.call("keys.add", { id: "binance-test", kind: "cex", payload: { exchange: "binance", apiKey: account.apiKey, secret: account.secret } });
    await broker.call("keys.add", { id: "evm-test", kind: "evm", payload: { privateKey: `0x${"11".repeat(32)}` } });
  });

  afterAll(async () => {
    await broker?.stop();
    await fake.stop();
    env.cleanup();
  });

  it("a markets document with sandbox: true trades on the exchange's test URLs, public and private alike, loading spot markets only", async () => {
    await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-test", sandbox: true } });
    fake.clearRequests();
    const placed = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side: "buy", type: "limit", amount: "0.01", price: "40000", clientOrderId: cid("sbx") });
    expect(placed.status).toBe("open");
    const paths = fake.requests().map((r) => r.path);
    expect(paths).toContain("/api/v3/exchangeInfo");
    expect(paths).toContain("/api/v3/order");
    expect(paths.filter((p) => /^\/(fapi|dapi|eapi|papi|sapi)\//.test(p))).toEqual([]);
  });

  it("refuses a markets document naming a keystore entry that does not exist, or one of the wrong kind", async () => {
    const missing = await failure(broker.call("config.set", { kind: "markets", name: "binance-eth", body: { venue: "binance", kind: "cex", symbol: "ETH/USDT", keyId: "no-such-key" } }));
    expect(missing).toMatchObject({ name: "ValidationError", data: [expect.objectContaining({ field: "keyId" })] });
    expect(missing.message).toContain("no-such-key");
    const wrongKind = await failure(broker.call("config.set", { kind: "markets", name: "binance-eth", body: { venue: "binance", kind: "cex", symbol: "ETH/USDT", keyId: "evm-test" } }));
    expect(wrongKind).toMatchObject({ name: "ValidationError", data: [expect.objectContaining({ field: "keyId" })] });
    const otherVenue = await failure(broker.call("config.set", { kind: "markets", name: "okx-eth", body: { venue: "okx", kind: "cex", symbol: "ETH/USDT", keyId: "binance-test" } }));
    expect(otherVenue.message).toContain("binance");
  });

  it("refuses a venue that is neither a ccxt exchange id nor paper, with a ValidationError naming venue", async () => {
    for (const venue of ["bin\u0000ance", "${jndi:ldap://127.0.0.1/a}", "nosuchexchange", "../binance", "BINANCE"]) {
      const err = await failure(broker.call("config.set", { kind: "markets", name: "bad-venue", body: { venue, kind: "cex", symbol: SYMBOL } }));
      expect(err).toMatchObject({ name: "ValidationError", data: [expect.objectContaining({ field: "venue" })] });
      expect(err.message).not.toContain("jndi");
    }
    expect(await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } })).toMatchObject({ version: 1 });
  });
});
