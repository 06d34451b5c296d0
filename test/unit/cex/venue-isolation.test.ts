/** lib/cex's per-exchange breaker, clock sync and venue settings, without a network. */
import * as ccxt from "ccxt";
import {
  DEFAULT_VENUE_BREAKER,
  ExchangeCircuitOpenError,
  ExchangeClock,
  VenueBreaker,
  VenueConfigError,
  budgetPoints,
  ccxtFieldsFor,
  checkVenueHosts,
  defaultRateBudget,
  installClockSync,
  installVenueBreaker,
  isExchangeFailure,
  isSafeToRetry,
  isVenueError,
  mapExchangeError,
  splitVenueOverrides,
  supportsTimeSync,
  venueConfig,
} from "../../../lib/cex";

describe("VenueBreaker", () => {
  const options = { ...DEFAULT_VENUE_BREAKER, minFailures: 3, threshold: 0.5, windowMs: 1000, openMs: 500 };

  it("opens on repeated failures, refuses with the exchange's name and the time left, then lets one trial through", () => {
    let now = 0;
    const b = new VenueBreaker("binance", options, () => now);
    b.success();
    b.failure();
    b.failure();
    expect(b.isOpen).toBe(false); // 2 failures: below minFailures
    b.failure();
    expect(b.isOpen).toBe(true);
    now = 100;
    let refused: unknown;
    try {
      b.admit();
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ExchangeCircuitOpenError);
    expect(refused).toMatchObject({ exchange: "binance", retryAfterMs: 400 });
    expect((refused as Error).message).toContain("binance");
    now = 600;
    expect(() => b.admit()).not.toThrow(); // the trial
    expect(() => b.admit()).toThrow(ExchangeCircuitOpenError); // only one at a time
    b.failure(); // the trial failed: open again
    now = 700;
    expect(() => b.admit()).toThrow(ExchangeCircuitOpenError);
    now = 1200;
    b.admit();
    b.success();
    expect(b.isOpen).toBe(false);
    expect(() => b.admit()).not.toThrow();
  });

  it("does not open while most requests succeed, and forgets outcomes older than the window", () => {
    let now = 0;
    const b = new VenueBreaker("okx", options, () => now);
    for (let i = 0; i < 10; i++) b.success();
    for (let i = 0; i < 4; i++) b.failure();
    expect(b.isOpen).toBe(false);
    now = 5000;
    for (let i = 0; i < 3; i++) b.failure();
    expect(b.isOpen).toBe(true);
  });

  it("opens on failures in a row after a busy calm, whose successes keep the window's share low", () => {
    const now = 0;
    const b = new VenueBreaker("binance", { ...options, consecutiveFailures: 6 }, () => now);
    for (let i = 0; i < 100; i++) b.success();
    for (let i = 0; i < 5; i++) b.failure();
    expect(b.isOpen).toBe(false);
    b.success(); // a success breaks the run
    for (let i = 0; i < 5; i++) b.failure();
    expect(b.isOpen).toBe(false);
    b.failure();
    expect(b.isOpen).toBe(true);
  });

  it("counts 5xx / network failures, not rate limits, clock skew or refused orders", () => {
    expect(isExchangeFailure(new ccxt.ExchangeNotAvailable("503"))).toBe(true);
    expect(isExchangeFailure(new ccxt.RequestTimeout("t"))).toBe(true);
    expect(isExchangeFailure(new ccxt.NetworkError("n"))).toBe(true);
    expect(isExchangeFailure(new ccxt.DDoSProtection("429"))).toBe(false);
    expect(isExchangeFailure(new ccxt.RateLimitExceeded("429"))).toBe(false);
    expect(isExchangeFailure(new ccxt.InvalidNonce("-1021"))).toBe(false);
    expect(isExchangeFailure(new ccxt.InsufficientFunds("f"))).toBe(false);
  });

  it("refuses at the client before the request leaves, and maps the refusal to 503 EXCHANGE_CIRCUIT_OPEN naming the exchange", async () => {
    let sent = 0;
    const client = {
      async fetch2() {
        sent += 1;
        throw new ccxt.ExchangeNotAvailable("binance 502 Bad Gateway");
      },
    };
    installVenueBreaker(client, new VenueBreaker("binance", options));
    for (let i = 0; i < 3; i++) await expect(client.fetch2()).rejects.toBeInstanceOf(ccxt.ExchangeNotAvailable);
    const refused = await client.fetch2().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExchangeCircuitOpenError);
    expect(sent).toBe(3);
    const mapped = mapExchangeError(refused, "binance") as unknown as { code: number; type: string; retryable: boolean; data: object; message: string };
    expect(mapped).toMatchObject({ code: 503, type: "EXCHANGE_CIRCUIT_OPEN", retryable: false, data: { exchange: "binance" } });
    expect(mapped.message).toContain("binance");
    expect(isVenueError(mapped)).toBe(true);
    expect(isVenueError(mapExchangeError(new ccxt.ExchangeNotAvailable("x"), "binance"))).toBe(true);
    expect(isVenueError({ type: "SERVICE_NOT_AVAILABLE" })).toBe(false);
  });
});

describe("exchange clock", () => {
  it("measures exchange − local at the round trip's midpoint and applies it as ccxt's timeDifference", async () => {
    const seen: number[] = [];
    const client = {
      has: { fetchTime: true },
      options: { timeDifference: 0 } as Record<string, unknown>,
      async fetchTime() {
        return Date.now() - 3000;
      },
      async fetch2() {
        return undefined;
      },
    };
    expect(supportsTimeSync(client)).toBe(true);
    const clock = new ExchangeClock(client, { exchange: "binance", intervalMs: 0, onOffset: (_e, ms) => seen.push(ms) });
    const offset = await clock.sync();
    expect(Math.abs(offset + 3000)).toBeLessThan(50);
    expect(Math.abs((client.options.timeDifference as number) - 3000)).toBeLessThan(50);
    expect(seen).toEqual([offset]);
  });

  it("knows which ccxt exchanges apply a time difference", () => {
    expect(supportsTimeSync(new ccxt.binance())).toBe(true);
    expect(supportsTimeSync(new ccxt.bybit())).toBe(true);
    expect(supportsTimeSync(new ccxt.bitstamp())).toBe(false);
  });

  it("retries once after a resync, and only requests that cannot act twice", async () => {
    expect(isSafeToRetry(["account", "private", "GET", {}])).toBe(true);
    expect(isSafeToRetry(["order", "private", "DELETE", { origClientOrderId: "a" }])).toBe(true);
    expect(isSafeToRetry(["order", "private", "POST", { newClientOrderId: "abc" }])).toBe(true);
    expect(isSafeToRetry(["order", "private", "POST", { symbol: "BTCUSDT" }])).toBe(false);
    expect(isSafeToRetry(["withdraw", "sapi", "POST", { coin: "BTC", amount: "1" }])).toBe(false);

    const calls: string[] = [];
    let syncs = 0;
    const client = {
      has: { fetchTime: true },
      options: { timeDifference: 0 } as Record<string, unknown>,
      async fetchTime() {
        syncs += 1;
        return Date.now();
      },
      async fetch2(...args: unknown[]) {
        calls.push(String(args[2]));
        throw new ccxt.InvalidNonce("-1021");
      },
    };
    installClockSync(client, new ExchangeClock(client, { exchange: "binance", intervalMs: 0 }));
    await expect(client.fetch2("order", "private", "POST", { newClientOrderId: "x" })).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    expect(calls).toEqual(["POST", "POST"]); // one retry, not a loop
    calls.length = 0;
    await expect(client.fetch2("withdraw", "sapi", "POST", { coin: "BTC" })).rejects.toBeInstanceOf(ccxt.InvalidNonce);
    expect(calls).toEqual(["POST"]); // resynced, not resent
    expect(syncs).toBe(2);
    const mapped = mapExchangeError(new ccxt.InvalidNonce("binance -1021"), "binance") as unknown as { code: number; type: string };
    expect(mapped).toMatchObject({ code: 503, type: "EXCHANGE_CLOCK_SKEW" });
  });
});

describe("venue settings", () => {
  it("splits mmesh's settings from ccxt fields and validates them", () => {
    const { settings, ccxt: fields } = splitVenueOverrides("binance", { sandbox: true, marketType: "spot", rateBudget: { weight: 600, intervalMs: 60_000 }, rateLimit: 5 });
    expect(settings).toEqual({ sandbox: true, marketType: "spot", rateBudget: { weight: 600, intervalMs: 60_000 } });
    expect(fields).toEqual({ rateLimit: 5 });
    expect(() => splitVenueOverrides("binance", { marketType: "perp" })).toThrow(/binance: marketType/);
    expect(() => splitVenueOverrides("binance", { rateBudget: { weight: -1, intervalMs: 1000 } })).toThrow(VenueConfigError);
    expect(() => splitVenueOverrides("binance", { testnet: true })).toThrow(/sandbox/);
  });

  it("loads spot endpoints only unless another market type is asked for; the operator's own options win", () => {
    const defaults = new ccxt.binance().options;
    expect((ccxtFieldsFor({}, defaults, {}).options as Record<string, unknown>).fetchMarkets).toEqual(expect.objectContaining({ types: ["spot"] }));
    expect((ccxtFieldsFor({ marketType: "swap" }, defaults, {}).options as Record<string, unknown>).fetchMarkets).toEqual(expect.objectContaining({ types: ["linear", "inverse"] }));
    expect((ccxtFieldsFor({}, defaults, { options: { fetchMarkets: { types: ["linear"] } } }).options as Record<string, unknown>).fetchMarkets).toEqual({ types: ["linear"] });
    expect(ccxtFieldsFor({ sandbox: true }, defaults, {})).toMatchObject({ sandbox: true });
    expect(ccxtFieldsFor({}, defaults, {}).options).toMatchObject({ defaultType: "spot", fetchMargins: false });
    expect(ccxtFieldsFor({ marketType: "margin" }, defaults, {}).options).toMatchObject({ defaultType: "spot", fetchMargins: true });
  });

  it("sandbox: true moves public and private endpoints together", () => {
    const { config } = venueConfig("binance", ccxt.binance as never, { sandbox: true });
    const ex = new ccxt.binance(config);
    const api = ex.urls["api"] as Record<string, string>;
    expect(new URL(api.public).host).toBe("testnet.binance.vision");
    expect(new URL(api.private).host).toBe("testnet.binance.vision");
  });

  it("refuses overrides that would send private calls to another host than public ones, naming the exchange and hosts", () => {
    const err = (() => {
      try {
        venueConfig("binance", ccxt.binance as never, { urls: { api: { public: "https://testnet.binance.vision/api/v3" } } });
      } catch (e) {
        return e as Error;
      }
      return null;
    })();
    expect(err).toBeInstanceOf(VenueConfigError);
    expect(err!.message).toMatch(/^binance: /);
    expect(err!.message).toContain("testnet.binance.vision");
    expect(err!.message).toContain("api.binance.com");
    expect(() => venueConfig("binance", ccxt.binance as never, { sandbox: true, urls: { api: { public: "https://x.example/api/v3" } } })).toThrow(/urls.test/);
    // every URL moved (a local simulator, a proxy for all of them): accepted
    const reference = new ccxt.binance();
    const moved = JSON.parse(JSON.stringify(reference.urls)) as { api: Record<string, unknown> };
    for (const [k, v] of Object.entries(moved.api)) if (typeof v === "string") moved.api[k] = v.replace(/^https:\/\/[^/]+/, "http://127.0.0.1:9");
    expect(() => checkVenueHosts("binance", reference, { urls: moved })).not.toThrow();
  });

  it("budgets in ccxt cost units: the default is ccxt's pace, one second of 1000 / rateLimit", () => {
    expect(defaultRateBudget(50)).toEqual({ weight: 20, intervalMs: 1000 });
    expect(budgetPoints({ weight: 8, intervalMs: 2000 })).toBe(800);
    expect(budgetPoints({ weight: 0.2, intervalMs: 1000 })).toBe(20);
  });
});
