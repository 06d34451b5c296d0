/**
 * What both tick→order benchmarks do (one process and across nodes): configure a PMM bot on
 * paper BTC/USDT whose quotes every 2-bps price move must replace, broadcast ticks the way
 * cex-price-feed does (`receivedAt` stamped at send), and measure each requote from the tick to
 * the venue's acknowledgement through `mm.quote.placed`. Both ends are stamped with a fractional
 * wall clock (`performance.timeOrigin + performance.now()`: this process for the tick, the
 * market-maker's node for the ack), so sub-millisecond latencies are not rounded to whole ms.
 */
import Decimal from "decimal.js";
import type { ServiceBroker } from "moleculer";

const SYMBOL = "BTC/USDT";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Wall-clock ms with a sub-millisecond fraction, comparable across processes on one machine. */
export const preciseNow = (): number => performance.timeOrigin + performance.now();
const PMM_PARAMS = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001", orderRefreshTimeMs: 100, maxOrderAgeMs: 3_600_000 };

export interface RequoteProbe {
  /** tickReceivedAt → orderAckAt of every requote since the last reset, ms (fractional). */
  readonly latencies: number[];
  acked(): number;
  tick(i: number): void;
  /** Sends `ticks` ticks 110 ms apart (past the 100 ms refresh time, so the tick, not a timer, replaces the quotes), each awaited. */
  run(ticks: number, deadlineMs: number): Promise<{ sent: number; seconds: number }>;
  /** Stops the bench bot (its orders are cancelled). */
  disable(): Promise<void>;
}

/** Call before `broker.start()`: the listener service must exist when the broker starts. */
export function listenForQuotes(broker: ServiceBroker): { latencies: number[]; acked: () => number } {
  const latencies: number[] = [];
  let acked = 0;
  broker.createService({
    name: "bench-quote-listener",
    events: {
      "mm.quote.placed"(ctx: { params: { tickReceivedAt: number; orderAckAt: number } }) {
        latencies.push(ctx.params.orderAckAt - ctx.params.tickReceivedAt);
        acked++;
      },
    },
  });
  return { latencies, acked: () => acked };
}

/** Configures the bench bot around `base` and returns the probe driving it. */
export async function startRequoteProbe(broker: ServiceBroker, listener: ReturnType<typeof listenForQuotes>, base: Decimal): Promise<RequoteProbe> {
  await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: SYMBOL } });
  await broker.call("config.set", { kind: "risk", name: "global", body: { scope: "global", staleFeedMs: 60_000 } });
  await broker.call("config.set", { kind: "strategies", name: "bench", body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, minRequoteIntervalMs: 0, params: PMM_PARAMS } });
  const tick = (i: number) => {
    const mid = base.times(1 + (i % 2 === 0 ? 0.0002 : -0.0002));
    const receivedAt = preciseNow();
    void broker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: mid.times(0.9999).toFixed(2), ask: mid.times(1.0001).toFixed(2), mid: mid.toString(), bidSize: "1", askSize: "1", ts: Math.floor(receivedAt), receivedAt });
  };
  return {
    latencies: listener.latencies,
    acked: listener.acked,
    tick,
    async run(ticks, deadlineMs) {
      const deadline = Date.now() + deadlineMs;
      const started = Date.now();
      let sent = 0;
      for (let i = 1; i <= ticks && Date.now() < deadline; i++) {
        const before = listener.acked();
        await sleep(110);
        tick(i);
        sent++;
        const waitUntil = Date.now() + 2_000;
        while (listener.acked() === before && Date.now() < waitUntil) await sleep(1);
      }
      return { sent, seconds: (Date.now() - started) / 1000 };
    },
    async disable() {
      await broker.call("config.set", { kind: "strategies", name: "bench", body: { market: "paper-btc", strategy: "pure_market_making", enabled: false, params: PMM_PARAMS } });
    },
  };
}
