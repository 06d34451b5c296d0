/**
 * What each fill earned and what it cost, in basis points of the mid at the fill:
 *   edge     how far the fill price was from the mid in our favour (buy: mid − price; sell: price − mid);
 *   fee      the fill's fee over its notional (base-currency fees valued at the fill price);
 *   markout  the mid's move h after the fill, signed in our favour (buy: mid(t+h) − mid(t); sell: the
 *            opposite). A negative markout is adverse selection: the fill was followed by the price
 *            moving through it. edge + markout(h) is the fill's PnL marked at the mid h later, before fees.
 * The mid at t+h is the last recorded mid at or before t+h; null past the end of the data.
 */
export const MARKOUT_HORIZONS_MS = { "1s": 1_000, "10s": 10_000, "60s": 60_000 } as const;
export type MarkoutHorizon = keyof typeof MARKOUT_HORIZONS_MS;

export interface FillQualityInput {
  ts: number;
  side: "buy" | "sell";
  price: string;
  amount: string;
  fee: string;
  feeCurrency: string | null;
  /** Mid of the recorded book when the fill happened. */
  mid: string;
}

export interface FillQuality {
  edgeBps: number;
  feeBps: number;
  markoutBps: Record<MarkoutHorizon, number | null>;
}

export interface FillQualitySummary {
  fills: number;
  makerFeeBps: number;
  meanEdgeBps: number | null;
  meanFeeBps: number | null;
  /** Mean over the fills that have a mid h later. */
  meanMarkoutBps: Record<MarkoutHorizon, number | null>;
}

/** Mid timeline (ascending ts); `midAt` is the last mid at or before ts. */
export class MidTimeline {
  private readonly ts: number[] = [];
  private readonly mids: number[] = [];

  add(ts: number, mid: number): void {
    const n = this.ts.length;
    if (n > 0 && this.ts[n - 1] === ts) this.mids[n - 1] = mid;
    else {
      this.ts.push(ts);
      this.mids.push(mid);
    }
  }

  get end(): number | null {
    return this.ts.length ? this.ts[this.ts.length - 1] : null;
  }

  midAt(ts: number): number | null {
    let lo = 0;
    let hi = this.ts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const m = (lo + hi) >> 1;
      if (this.ts[m] <= ts) {
        found = m;
        lo = m + 1;
      } else hi = m - 1;
    }
    return found < 0 ? null : this.mids[found];
  }
}

export function fillQuality(f: FillQualityInput, mids: MidTimeline, base: string): FillQuality {
  const price = Number(f.price);
  const amount = Number(f.amount);
  const mid = Number(f.mid);
  const sign = f.side === "buy" ? 1 : -1;
  const fee = Number(f.fee);
  const feeValue = f.feeCurrency !== null && f.feeCurrency.toUpperCase() === base.toUpperCase() ? fee * price : fee;
  const end = mids.end;
  const markoutBps = {} as Record<MarkoutHorizon, number | null>;
  for (const [h, ms] of Object.entries(MARKOUT_HORIZONS_MS) as Array<[MarkoutHorizon, number]>) {
    const later = end !== null && f.ts + ms <= end ? mids.midAt(f.ts + ms) : null;
    markoutBps[h] = later === null ? null : (sign * (later - mid) / mid) * 10_000 + 0; // + 0: no −0 in the JSON
  }
  return {
    edgeBps: ((sign * (mid - price)) / mid) * 10_000 + 0,
    feeBps: price * amount > 0 ? (feeValue / (price * amount)) * 10_000 : 0,
    markoutBps,
  };
}

const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

export function summarizeFillQuality(fills: FillQuality[], makerFee: number): FillQualitySummary {
  const meanMarkoutBps = {} as Record<MarkoutHorizon, number | null>;
  for (const h of Object.keys(MARKOUT_HORIZONS_MS) as MarkoutHorizon[]) {
    meanMarkoutBps[h] = mean(fills.map((f) => f.markoutBps[h]).filter((x): x is number => x !== null));
  }
  return {
    fills: fills.length,
    makerFeeBps: makerFee * 10_000,
    meanEdgeBps: mean(fills.map((f) => f.edgeBps)),
    meanFeeBps: mean(fills.map((f) => f.feeBps)),
    meanMarkoutBps,
  };
}
