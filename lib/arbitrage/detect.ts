/**
 * Finds the size that maximizes net profit of buying on one venue and selling on another.
 *
 * profit(size) = sell.net(size) − buy.net(size): the sell leg's proceeds after its fees and gas
 * minus the buy leg's cost with its fees and gas. Walking a book or a pool curve makes the buy
 * cost convex and the sell proceeds concave in size, so profit is concave (fixed gas only shifts
 * it): a ternary search over whole lots finds its maximum in O(log n) quotes. Sizes the venues
 * cannot fill count as −∞ (fillability only shrinks with size, so concavity holds).
 */
import { randomUUID } from "node:crypto";
import { D, decimalsOf, str, type Dec } from "./decimal";
import type { LegEstimate, LegPricer } from "./pricing";

export interface DetectOptions {
  /** size step in base (the CEX lot size): sizes are whole multiples of it */
  lot: string;
  /** largest size in base */
  maxSize: string;
  /** smallest size in base (default one lot) */
  minSize?: string;
  /** an opportunity must net strictly more than this, in quote (default 0) */
  minProfit?: string;
  /** symbol reported in the opportunity */
  symbol: string;
  /** the venues' common symbol after aliases (e.g. ETH/USD) */
  canonical?: string;
  now?: () => number;
}

export interface Opportunity {
  id: string;
  symbol: string;
  canonical: string;
  buyVenue: string;
  sellVenue: string;
  buyKind: "cex" | "dex";
  sellKind: "cex" | "dex";
  /** CEX symbol or pool address of each leg */
  buyMarket: string;
  sellMarket: string;
  /** base amount */
  size: string;
  /** average fill prices as the venues fill them (a pool's fee inside, a CEX taker fee outside) */
  buyPrice: string;
  sellPrice: string;
  buyWorstPrice?: string;
  sellWorstPrice?: string;
  /** quote paid for the buy and received for the sell, fees and gas included */
  buyCost: string;
  sellProceeds: string;
  /** sell gross − buy gross, before any fee */
  grossProfit: string;
  /** trading fees of both legs (CEX taker fees, pool fees) in quote */
  fees: string;
  /** gas of the DEX leg(s) in quote */
  gas: string;
  /** grossProfit − fees − gas = sellProceeds − buyCost */
  netProfit: string;
  buy: LegEstimate;
  sell: LegEstimate;
  /** sizes evaluated by the search */
  evaluations: number;
  ts: number;
}

type Point = { k: bigint; profit: Dec | null; buy: LegEstimate | null; sell: LegEstimate | null };

const better = (a: Dec | null, b: Dec | null): boolean => (a === null ? false : b === null ? true : a.gt(b));

/** The best opportunity buying with `buy` and selling with `sell`, or null when none nets more than minProfit. */
export async function findOpportunity(buy: LegPricer, sell: LegPricer, opts: DetectOptions): Promise<Opportunity | null> {
  if (buy.side !== "buy" || sell.side !== "sell") throw new RangeError("findOpportunity(buy, sell): pricers on the wrong sides");
  const lot = new D(opts.lot);
  if (!lot.isFinite() || lot.lte(0)) throw new RangeError(`lot must be a positive decimal, got ${opts.lot}`);
  const dp = decimalsOf(opts.lot);
  const kMax = BigInt(new D(opts.maxSize).div(lot).floor().toFixed(0));
  const minK = opts.minSize ? BigInt(new D(opts.minSize).div(lot).ceil().toFixed(0)) : 1n;
  const kMin = minK < 1n ? 1n : minK;
  if (kMax < kMin) return null;
  const minProfit = new D(opts.minProfit ?? "0");

  const memo = new Map<bigint, Point>();
  const evaluate = async (k: bigint): Promise<Point> => {
    const hit = memo.get(k);
    if (hit) return hit;
    const size = lot.mul(k.toString()).toFixed(dp);
    const [b, s] = await Promise.all([buy.price(size), sell.price(size)]);
    const point: Point = { k, buy: b, sell: s, profit: b && s ? new D(s.net).sub(b.net) : null };
    memo.set(k, point);
    return point;
  };

  const first = await evaluate(kMin);
  if (!first.buy || !first.sell) return null;
  // Concave: if even the smallest size loses before gas, every larger size loses more.
  const beforeGas = new D(first.sell.net).add(first.sell.gas).sub(new D(first.buy.net).sub(first.buy.gas));
  if (beforeGas.lte(0)) return null;

  let lo = kMin;
  let hi = kMax;
  while (hi - lo > 2n) {
    const third = (hi - lo) / 3n;
    const [p1, p2] = await Promise.all([evaluate(lo + third), evaluate(hi - third)]);
    if (p1.profit === null && p2.profit === null) hi = p1.k - 1n;
    else if (better(p2.profit, p1.profit)) lo = p1.k + 1n;
    else hi = p2.k - 1n;
  }
  let best: Point | null = null;
  for (let k = lo; k <= hi; k += 1n) {
    const p = await evaluate(k);
    if (!best || better(p.profit, best.profit)) best = p;
  }
  if (!best || best.profit === null || !best.profit.gt(minProfit) || !best.profit.gt(0)) return null;

  const b = best.buy!;
  const s = best.sell!;
  const fees = new D(b.fee).add(s.fee);
  const gas = new D(b.gas).add(s.gas);
  return {
    id: randomUUID(),
    symbol: opts.symbol,
    canonical: opts.canonical ?? opts.symbol,
    buyVenue: buy.venue, sellVenue: sell.venue, buyKind: buy.kind, sellKind: sell.kind, buyMarket: buy.market, sellMarket: sell.market,
    size: b.amount,
    buyPrice: b.averagePrice, sellPrice: s.averagePrice,
    ...(b.worstPrice ? { buyWorstPrice: b.worstPrice } : {}), ...(s.worstPrice ? { sellWorstPrice: s.worstPrice } : {}),
    buyCost: b.net, sellProceeds: s.net,
    grossProfit: str(new D(s.gross).sub(b.gross)), fees: str(fees), gas: str(gas), netProfit: str(best.profit),
    buy: b, sell: s, evaluations: memo.size, ts: (opts.now ?? Date.now)(),
  };
}

/** Both directions of a pair (A→B and B→A); the better opportunity, or null. */
export async function bestOfBoth(
  directions: Array<{ buy: LegPricer; sell: LegPricer }>,
  opts: DetectOptions,
): Promise<Opportunity | null> {
  let best: Opportunity | null = null;
  for (const d of directions) {
    const o = await findOpportunity(d.buy, d.sell, opts);
    if (o && (!best || new D(o.netProfit).gt(best.netProfit))) best = o;
  }
  return best;
}
