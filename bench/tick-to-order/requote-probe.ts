/**
 * What both tick→order benchmarks do (one process and across nodes): configure a PMM bot on
 * paper BTC/USDT whose quotes every 2-bps price move must replace, broadcast ticks the way
 * cex-price-feed does (`receivedAt` stamped at send), and measure each requote through
 * `mm.quote.placed` from the tick to the venue's acknowledgement twice: where the ack happens
 * (`venueAckAt`, the cex node, when the paper venue took the last of the new orders) and back at
 * the bot (`orderAckAt`, the market-maker's node, one more hop). Every end is stamped with a
 * fractional wall clock (`performance.timeOrigin + performance.now()`), comparable across the
 * processes of one machine, so sub-millisecond latencies are not rounded to whole ms.
 */
import Decimal from "decimal.js";
import type { ServiceBroker } from "moleculer";
import { preciseNow } from "../../lib/runtime/precise-now";

const SYMBOL = "BTC/USDT";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PMM_PARAMS = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001", orderRefreshTimeMs: 100, maxOrderAgeMs: 3_600_000 };

export interface QuoteLatencies {
  /** tickReceivedAt → orderAckAt (the ack back at the bot) of every requote since the last reset, ms (fractional). */
  latencies: number[];
  /** tickReceivedAt → venueAckAt (the ack at the venue's node) of the same requotes, ms (fractional). */
  venueLatencies: number[];
  acked: () => number;
}

export interface RequoteProbe {
  /** tickReceivedAt → orderAckAt of every requote since the last reset, ms (fractional). */
  readonly latencies: number[];
  /** tickReceivedAt → venueAckAt of the same requotes. */
  readonly venueLatencies: number[];
  acked(): number;
  tick(i: number): void;
  /** Sends `ticks` ticks 110 ms apart (past the 100 ms refresh time, so the tick, not a timer, replaces the quotes), each awaited. */
  run(ticks: number, deadlineMs: number): Promise<{ sent: number; seconds: number }>;
  /** Stops the bench bot (its orders are cancelled). */
  disable(): Promise<void>;
}

/** Call before `broker.start()`: the listener service must exist when the broker starts. */
export function listenForQuotes(broker: ServiceBroker): QuoteLatencies {
  const latencies: number[] = [];
  const venueLatencies: number[] = [];
  let acked = 0;
  broker.createService({
    name: "bench-quote-listener",
    events: {
      "mm.quote.placed"(ctx: { params: { tickReceivedAt: number; orderAckAt: number; venueAckAt?: number } }) {
        const { tickReceivedAt, orderAckAt, venueAckAt } = ctx.params;
        latencies.push(orderAckAt - tickReceivedAt);
        if (venueAckAt !== undefined) venueLatencies.push(venueAckAt - tickReceivedAt);
        acked++;
      },
    },
  });
  return { latencies, venueLatencies, acked: () => acked };
}

/** Configures the bench bot around `base` and returns the probe driving it. */
export async function startRequoteProbe(broker: ServiceBroker, listener: QuoteLatencies, base: Decimal): Promise<RequoteProbe> {
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
    venueLatencies: listener.venueLatencies,
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
