/**
 * Latency models in simulated milliseconds (pure; sampled ones draw from a seeded PRNG so a
 * run repeats exactly). Spec strings, as the CLI takes them:
 *
 * - `25`                       constant 25 ms (also `const:25`)
 * - `uniform:10,40`            uniform between 10 and 40 ms
 * - `lognormal:20,0.5`         median 20 ms, σ 0.5 of the log
 * - `empirical:12,15,15,31`    one of the listed values, equally likely (e.g. measured
 *                              `mm.quote.placed` tick→ack timings, see samplesFromQuotePlaced)
 * - `quote-placed:events.jsonl` empirical, from a file of recorded `mm.quote.placed` events
 *                              (one JSON object per line: tickReceivedAt, orderAckAt)
 */
import { readFileSync } from "node:fs";
import { Prng } from "../paper/prng";

export interface LatencyModel {
  readonly spec: string;
  /** The next latency (ms, ≥ 0). */
  next(): number;
}

export class LatencyModelError extends Error {
  override name = "LatencyModelError";
}

function numbers(text: string | undefined, spec: string, count?: number): number[] {
  const values = (text ?? "").split(",").filter((s) => s.trim() !== "").map(Number);
  if (values.length === 0 || values.some((v) => !Number.isFinite(v) || v < 0) || (count !== undefined && values.length !== count)) {
    throw new LatencyModelError(`latency "${spec}": expected ${count ?? "one or more"} non-negative numbers`);
  }
  return values;
}

export function latencyModel(spec: string, seed = 1): LatencyModel {
  const colon = spec.indexOf(":");
  const kind = colon < 0 ? "const" : spec.slice(0, colon);
  const args = colon < 0 ? spec : spec.slice(colon + 1);
  const rng = new Prng(seed);
  switch (kind) {
    case "const": {
      const [ms] = numbers(args, spec, 1);
      return { spec, next: () => ms };
    }
    case "uniform": {
      const [lo, hi] = numbers(args, spec, 2);
      if (hi < lo) throw new LatencyModelError(`latency "${spec}": the upper bound is below the lower`);
      return { spec, next: () => lo + (hi - lo) * rng.next() };
    }
    case "lognormal": {
      const [median, sigma] = numbers(args, spec, 2);
      return { spec, next: () => median * Math.exp(sigma * rng.normal()) };
    }
    case "empirical": {
      const values = numbers(args, spec);
      return { spec, next: () => values[Math.floor(rng.next() * values.length)] };
    }
    case "quote-placed": {
      let text: string;
      try {
        text = readFileSync(args, "utf8");
      } catch (err) {
        throw new LatencyModelError(`latency "${spec}": ${(err as Error).message}`);
      }
      const values = samplesFromQuotePlaced(text.split("\n").filter((l) => l.trim().startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>));
      if (values.length === 0) throw new LatencyModelError(`latency "${spec}": no mm.quote.placed events with tickReceivedAt and orderAckAt`);
      return { spec, next: () => values[Math.floor(rng.next() * values.length)] };
    }
    default:
      throw new LatencyModelError(`unknown latency model "${spec}"; use N, const:N, uniform:a,b, lognormal:median,sigma, empirical:v1,v2,… or quote-placed:file.jsonl`);
  }
}

/**
 * Tick-to-order latencies (ms) of recorded `mm.quote.placed` events (MmQuotePlaced:
 * `orderAckAt − tickReceivedAt`), for an `empirical:` order-entry latency.
 */
export function samplesFromQuotePlaced(events: Array<{ tickReceivedAt?: unknown; orderAckAt?: unknown }>): number[] {
  const out: number[] = [];
  for (const e of events) {
    if (typeof e.tickReceivedAt === "number" && typeof e.orderAckAt === "number" && e.orderAckAt >= e.tickReceivedAt) out.push(e.orderAckAt - e.tickReceivedAt);
  }
  return out;
}
