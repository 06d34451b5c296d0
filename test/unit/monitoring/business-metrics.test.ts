/** Business events → metric values, with a recording sink instead of a broker. */
import { BusinessMetrics, METRIC, registerMetrics, spreadBps, BUSINESS_METRICS, type MetricSink } from "../../../lib/monitoring";

class RecordingSink implements MetricSink {
  registered: string[] = [];
  values = new Map<string, number>();
  observed: Array<{ name: string; value: number; labels: Record<string, unknown> }> = [];
  private key(name: string, labels: Record<string, unknown> = {}) {
    return `${name}${JSON.stringify(Object.fromEntries(Object.entries(labels).sort()))}`;
  }
  register(def: Record<string, unknown>) {
    this.registered.push(String(def.name));
    return {};
  }
  hasMetric(name: string) {
    return this.registered.includes(name);
  }
  set(name: string, value: number, labels?: Record<string, unknown>) {
    this.values.set(this.key(name, labels), value);
  }
  increment(name: string, labels?: Record<string, unknown>, value = 1) {
    const k = this.key(name, labels);
    this.values.set(k, (this.values.get(k) ?? 0) + value);
  }
  observe(name: string, value: number, labels: Record<string, unknown> = {}) {
    this.observed.push({ name, value, labels });
  }
  get(name: string, labels: Record<string, unknown> = {}) {
    return this.values.get(this.key(name, labels));
  }
}

describe("BusinessMetrics", () => {
  let sink: RecordingSink;
  let now: number;
  let metrics: BusinessMetrics;

  beforeEach(() => {
    sink = new RecordingSink();
    now = 1_000_000;
    metrics = new BusinessMetrics(sink, () => now);
  });

  it("registers every definition once", () => {
    registerMetrics(sink, BUSINESS_METRICS);
    registerMetrics(sink, BUSINESS_METRICS);
    expect(sink.registered).toEqual(BUSINESS_METRICS.map((d) => d.name));
  });

  it("counts fills per exchange, symbol and side", () => {
    metrics.onFill({ exchange: "paper", symbol: "BTC/USDT", side: "buy" });
    metrics.onFill({ exchange: "paper", symbol: "BTC/USDT", side: "buy" });
    metrics.onFill({ exchange: "paper", symbol: "BTC/USDT", side: "sell" });
    expect(sink.get(METRIC.FILLS, { exchange: "paper", symbol: "BTC/USDT", side: "buy" })).toBe(2);
    expect(sink.get(METRIC.FILLS, { exchange: "paper", symbol: "BTC/USDT", side: "sell" })).toBe(1);
  });

  it("tracks open orders from status transitions, once per order", () => {
    const labels = { exchange: "paper", symbol: "ETH/USDT" };
    metrics.onOrderUpdated({ ...labels, clientOrderId: "a", status: "pending" });
    metrics.onOrderUpdated({ ...labels, clientOrderId: "a", status: "open" });
    metrics.onOrderUpdated({ ...labels, clientOrderId: "b", status: "open" });
    expect(sink.get(METRIC.ORDERS_OPEN, labels)).toBe(2);
    metrics.onOrderUpdated({ ...labels, clientOrderId: "a", status: "canceled" });
    expect(sink.get(METRIC.ORDERS_OPEN, labels)).toBe(1);
    metrics.onOrderUpdated({ ...labels, status: "open" }); // no id: ignored
    expect(sink.get(METRIC.ORDERS_OPEN, labels)).toBe(1);
  });

  it("keeps feed ages and market spreads", () => {
    metrics.onPrice({ exchange: "paper", symbol: "BTC/USDT", bid: "99", ask: "101", receivedAt: now - 500 });
    expect(sink.get(METRIC.FEED_AGE, { exchange: "paper", symbol: "BTC/USDT" })).toBeCloseTo(0.5);
    expect(sink.get(METRIC.MARKET_SPREAD, { exchange: "paper", symbol: "BTC/USDT" })).toBeCloseTo(200);
    now += 4_500;
    metrics.refreshFeedAges();
    expect(sink.get(METRIC.FEED_AGE, { exchange: "paper", symbol: "BTC/USDT" })).toBeCloseTo(5);
    expect(metrics.feedAges()).toEqual([{ exchange: "paper", symbol: "BTC/USDT", ageMs: 5_000 }]);
  });

  it("sets PnL (total derived when absent), inventory, quoted spread and tick-to-order latency", () => {
    metrics.onPnl({ bot: "b", exchange: "x", symbol: "S", realized: "3", unrealized: "-1" });
    expect(sink.get(METRIC.PNL, { bot: "b", exchange: "x", symbol: "S", kind: "total" })).toBe(2);
    metrics.onInventory({ bot: "b", exchange: "x", asset: "BTC", amount: "1.5" });
    expect(sink.get(METRIC.INVENTORY, { bot: "b", exchange: "x", asset: "BTC" })).toBe(1.5);
    metrics.onInventory({ bot: "b", exchange: "x", asset: "ETH", amount: "not a number" });
    expect(sink.get(METRIC.INVENTORY, { bot: "b", exchange: "x", asset: "ETH" })).toBeUndefined();
    metrics.onQuote({ bot: "b", exchange: "x", symbol: "S", bid: "99.5", ask: "100.5", tickReceivedAt: 1000, orderAckAt: 1012 });
    expect(sink.get(METRIC.SPREAD_QUOTED, { bot: "b", exchange: "x", symbol: "S" })).toBeCloseTo(100);
    expect(sink.observed).toEqual([{ name: METRIC.TICK_TO_ORDER, value: 0.012, labels: { bot: "b", exchange: "x" } }]);
    metrics.onQuote({ bot: "b", exchange: "x", symbol: "S", bid: "1", ask: "2", tickReceivedAt: 2000, orderAckAt: 1000 }); // ack before tick: not observed
    expect(sink.observed).toHaveLength(1);
  });

  it("sets a bot's drawdown and inventory ratio from its mark, ignoring values out of range", () => {
    const labels = { bot: "b", exchange: "x", symbol: "S" };
    metrics.onPnl({ ...labels, realized: "1", unrealized: "0", total: "1", drawdownQuote: "2.5", drawdown: 0.125, inventoryRatio: 0.4 });
    expect(sink.get(METRIC.DRAWDOWN, labels)).toBe(0.125);
    expect(sink.get(METRIC.DRAWDOWN_QUOTE, labels)).toBe(2.5);
    // A bot without a capital: the drawdown in quote currency only.
    const other = { bot: "nocap", exchange: "x", symbol: "S" };
    metrics.onPnl({ ...other, realized: "-3", unrealized: "0", total: "-3", drawdownQuote: "3", inventoryRatio: 0.5 });
    expect(sink.get(METRIC.DRAWDOWN_QUOTE, other)).toBe(3);
    expect(sink.get(METRIC.DRAWDOWN, other)).toBeUndefined();
    metrics.onPnl({ ...other, realized: "-3", unrealized: "0", drawdownQuote: "-1" });
    expect(sink.get(METRIC.DRAWDOWN_QUOTE, other)).toBe(3);
    expect(sink.get(METRIC.INVENTORY_RATIO, labels)).toBe(0.4);
    metrics.onPnl({ ...labels, realized: "1", unrealized: "0", drawdown: -1, inventoryRatio: 1.5 });
    metrics.onPnl({ ...labels, realized: "1", unrealized: "0", inventoryRatio: null });
    expect(sink.get(METRIC.DRAWDOWN, labels)).toBe(0.125);
    expect(sink.get(METRIC.INVENTORY_RATIO, labels)).toBe(0.4);
  });

  it("sets balances per exchange and asset from cex.balance, and an asset that drops out to 0", () => {
    metrics.onBalances("paper", { exchange: "paper", balances: { USDT: { free: "90", used: "10", total: "100" }, BTC: { free: "1", used: "0", total: "1.5" } } });
    expect(sink.get(METRIC.BALANCE, { exchange: "paper", asset: "USDT" })).toBe(100);
    expect(sink.get(METRIC.BALANCE, { exchange: "paper", asset: "BTC" })).toBe(1.5);
    metrics.onBalances("paper", { exchange: "paper", balances: { USDT: { free: "100", used: "0", total: "100" } } });
    expect(sink.get(METRIC.BALANCE, { exchange: "paper", asset: "BTC" })).toBe(0);
    metrics.onBalances("paper", null);
    metrics.onBalances("paper", { balances: { ETH: { total: "not a number" } } });
    expect(sink.get(METRIC.BALANCE, { exchange: "paper", asset: "ETH" })).toBeUndefined();
    expect(sink.get(METRIC.BALANCE, { exchange: "paper", asset: "USDT" })).toBe(0);
  });

  it("counts arbitrage opportunities", () => {
    metrics.onArbitrage({ symbol: "ETH/USDT", buyVenue: "paper", sellVenue: "uniswap-v2" });
    expect(sink.get(METRIC.ARBITRAGE, { symbol: "ETH/USDT", buyVenue: "paper", sellVenue: "uniswap-v2" })).toBe(1);
  });

  it("computes spreads in basis points of mid", () => {
    expect(spreadBps("99", "101")).toBeCloseTo(200);
    expect(spreadBps("0", "1")).toBeNull();
    expect(spreadBps(undefined, "1")).toBeNull();
  });
});
