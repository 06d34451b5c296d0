/**
 * The Prometheus gauge of each exchange's clock offset, `mmesh_exchange_time_offset_ms{exchange}`:
 * exchange − this machine, in ms (positive: the exchange's clock is ahead), as last measured
 * by exchange-clock.ts. Signed calls fail (Binance -1021) once it drifts past what the
 * correction and recvWindow absorb; alert on its absolute value.
 */
import { registerMetrics, type MetricSink } from "../monitoring/business-metrics";

export const CLOCK_OFFSET_METRIC = "mmesh.exchange.time.offset.ms";

/** Registers the gauge on the broker's metric registry; a setter, or null when metrics are off. */
export function registerClockOffsetGauge(sink: MetricSink | undefined | null): ((exchange: string, offsetMs: number) => void) | null {
  if (!sink) return null;
  const enabled = registerMetrics(sink, [
    { name: CLOCK_OFFSET_METRIC, type: "gauge", labelNames: ["exchange"], description: "Exchange clock minus this machine's clock, ms, as last measured (positive: the exchange is ahead)" },
  ]);
  return enabled ? (exchange, offsetMs) => void sink.set(CLOCK_OFFSET_METRIC, offsetMs, { exchange }) : null;
}
