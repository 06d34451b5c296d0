/** lib/cex/rate-limit without a network: key hashing, budgets, and the throttle/cooldown installed on a stand-in client. */
import {
  ExchangeRateLimitedError,
  apiKeyHash,
  costPoints,
  createMemoryRateLimitBackend,
  installRateLimit,
  mapExchangeError,
  pointsPerWindow,
} from "../../../lib/cex";
import { CCXT_ERRORS_MODULE } from "../../../lib/paper/ccxt-errors";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ccxtErrors = require(CCXT_ERRORS_MODULE) as Record<string, new (m: string) => Error>;

/** The parts of a ccxt Exchange that installRateLimit touches: fetch2 → throttle → handleErrors. */
function standIn(rateLimit: number, answer: () => { status: number; headers?: Record<string, string> }) {
  const sent: number[] = [];
  const ex = {
    rateLimit,
    enableRateLimit: true,
    async throttle(_cost?: number) {
      return undefined;
    },
    handleErrors(code: number, ..._rest: unknown[]) {
      if (code === 429) throw new ccxtErrors.DDoSProtection("429 -1003");
    },
    async fetch2(cost = 1) {
      await this.throttle(cost);
      const { status, headers } = answer();
      sent.push(Date.now());
      this.handleErrors(status, "", "", "GET", headers ?? {});
      return status;
    },
  };
  return { ex, sent };
}

describe("rate-limit helpers", () => {
  it("hashes the API key: stable, per exchange, never the key", () => {
    const h = apiKeyHash("binance", "my-api-key-123");
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).not.toContain("my-api-key");
    expect(apiKeyHash("binance", "my-api-key-123")).toBe(h);
    expect(apiKeyHash("okx", "my-api-key-123")).not.toBe(h);
  });

  it("derives the budget from ccxt's rateLimit and scales fractional costs", () => {
    expect(pointsPerWindow(50)).toBe(2000); // 20 cost units per second, ×100
    expect(pointsPerWindow(1000)).toBe(100);
    expect(costPoints(0.1, 2000)).toBe(10);
    expect(costPoints(undefined, 2000)).toBe(100);
    expect(costPoints(1e9, 2000)).toBe(2000);
  });

  it("maps a local refusal to 503 EXCHANGE_RATE_LIMITED with retryAfterMs", () => {
    const mapped = mapExchangeError(new ExchangeRateLimitedError("binance", 1200), "binance") as unknown as { code: number; type: string; retryable: boolean; data: object };
    expect(mapped).toMatchObject({ code: 503, type: "EXCHANGE_RATE_LIMITED", retryable: true, data: { exchange: "binance", retryAfterMs: 1200 } });
  });
});

describe("installRateLimit on the memory backend", () => {
  it("shares one budget between instances with the same key", async () => {
    const backend = createMemoryRateLimitBackend();
    const key = `shared-${Date.now()}`;
    const a = standIn(200, () => ({ status: 200 })); // 5 cost units per second
    const b = standIn(200, () => ({ status: 200 }));
    installRateLimit(a.ex, { exchange: "binance", apiKey: key, backend });
    installRateLimit(b.ex, { exchange: "binance", apiKey: key, backend });
    const started = Date.now();
    await Promise.all([a.ex.fetch2(), a.ex.fetch2(), a.ex.fetch2(), b.ex.fetch2(), b.ex.fetch2(), b.ex.fetch2()]);
    const times = [...a.sent, ...b.sent].sort((x, y) => x - y);
    expect(times[4] - started).toBeLessThan(300);
    expect(times[5] - started).toBeGreaterThanOrEqual(700); // the sixth waited for the next window

    const other = standIn(200, () => ({ status: 200 }));
    installRateLimit(other.ex, { exchange: "binance", apiKey: `${key}-other`, backend });
    const t0 = Date.now();
    await Promise.all([1, 2, 3, 4, 5].map(() => other.ex.fetch2()));
    expect(Date.now() - t0).toBeLessThan(300); // another key has its own budget
  });

  it("cools down after a 429: Retry-After, else the backoff; refused calls never reach the exchange", async () => {
    const backend = createMemoryRateLimitBackend();
    let next = { status: 429, headers: { "Retry-After": "1" } as Record<string, string> };
    const { ex, sent } = standIn(1, () => next);
    installRateLimit(ex, { exchange: "binance", apiKey: `cool-${Date.now()}`, backend, backoff: { initialMs: 150, jitter: 0 } });
    const first = await ex.fetch2().catch((e: unknown) => e);
    expect(first).toBeInstanceOf(ExchangeRateLimitedError);
    expect((first as ExchangeRateLimitedError).retryAfterMs).toBe(1000);
    next = { status: 200, headers: {} };
    const refused = await ex.fetch2().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ExchangeRateLimitedError);
    expect((refused as ExchangeRateLimitedError).retryAfterMs).toBeGreaterThan(800);
    expect(sent).toHaveLength(1);

    // A 429 without Retry-After: the backoff's first delay (150 ms)
    const second = standIn(1, () => ({ status: 429 }));
    installRateLimit(second.ex, { exchange: "binance", apiKey: `cool2-${Date.now()}`, backend, backoff: { initialMs: 150, jitter: 0 } });
    expect(((await second.ex.fetch2().catch((e: unknown) => e)) as ExchangeRateLimitedError).retryAfterMs).toBe(150);
  });
});
