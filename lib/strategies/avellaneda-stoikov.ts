/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", with the paper's
 * σ². Units (see docs/strategies.md): prices in quote per base; time in horizons (one unit =
 * horizonMs); σ in price per √horizon; q in multiples of orderAmount; κ in 1/price.
 */
import { hasTopOfBook, midOf, toNumber } from "./price";
import { RollingVolatility } from "./volatility";
import { TradingIntensity } from "./trading-intensity";
import type { Quote, Strategy, StrategyContext } from "./types";

export interface AvellanedaStoikovParams {
  orderAmount: string | number;
  /** γ */
  riskAversion: number;
  /** κ; fitted from trades when absent. */
  orderBookDepthFactor?: number;
  /** η */
  orderAmountShape?: number;
  horizon?: "finite" | "infinite";
  horizonMs?: number;
  volatilityWindow?: number;
  minimumSpread?: number;
  inventoryTargetBasePct?: number;
  intensityWindow?: number;
}

export interface AsInputs {
  mid: number;
  q: number;
  gamma: number;
  sigma: number;
  kappa: number;
  timeLeft: number;
}

/** r = s − q·γ·σ²·(T−t); δ = γ·σ²·(T−t) + (2/γ)·ln(1 + γ/κ). */
export function reservationAndSpread(i: AsInputs): { reservationPrice: number; optimalSpread: number } {
  const risk = i.gamma * i.sigma ** 2 * i.timeLeft;
  return {
    reservationPrice: i.mid - i.q * risk,
    optimalSpread: risk + (2 / i.gamma) * Math.log(1 + i.gamma / i.kappa),
  };
}

/** Inventory relative to the target, in orders: q = (base − pct·(base + quote/mid)) / orderAmount. */
export function inventoryQ(base: number, quote: number, mid: number, targetBasePct: number, orderAmount: number): number {
  const target = targetBasePct * (base + quote / mid);
  return (base - target) / orderAmount;
}

/** Time left to the end of the current horizon window, in horizons: 1 at its start, → 0 at its end. */
export function timeLeftFraction(now: number, horizonMs: number, horizon: "finite" | "infinite"): number {
  if (horizon === "infinite") return 1;
  return (horizonMs - (((now % horizonMs) + horizonMs) % horizonMs)) / horizonMs;
}

/**
 * κ before enough trades are seen to fit it: the one that makes the liquidity term of the
 * spread, (2/γ)·ln(1 + γ/κ) ≈ 2/κ for small γ, equal to the market's own spread. Without it a
 * live bot fed only by its own fills would never quote, so never fill, so never fit κ.
 */
export function bootstrapKappa(bestBid: number, bestAsk: number): number | null {
  const spread = bestAsk - bestBid;
  return spread > 0 ? 2 / spread : null;
}

export function createAvellanedaStoikov(params: AvellanedaStoikovParams): Strategy {
  const gamma = params.riskAversion;
  const orderAmount = toNumber(params.orderAmount);
  const eta = params.orderAmountShape ?? 0;
  const horizon = params.horizon ?? "infinite";
  const horizonMs = params.horizonMs ?? 86_400_000;
  const minimumSpread = params.minimumSpread ?? 0;
  const targetPct = params.inventoryTargetBasePct ?? 0.5;
  const vol = new RollingVolatility(params.volatilityWindow ?? 200);
  const intensity = new TradingIntensity(params.intensityWindow ?? 200);
  const empty = { sigma: null, kappa: null, kappaSource: null, alpha: null, q: null, reservationPrice: null, optimalSpread: null, timeLeft: null };
  let state: Record<string, number | string | null> = { ...empty };

  function quotes(ctx: StrategyContext): Quote[] {
    state = { ...empty };
    if (!hasTopOfBook(ctx.market) || !(orderAmount > 0)) return [];
    const mid = midOf(ctx.market);
    const sigma = vol.sigma(horizonMs);
    if (ctx.rules.tickSize > 0) intensity.bucketWidth = ctx.rules.tickSize / 2;
    const fit = params.orderBookDepthFactor === undefined ? intensity.fit() : null;
    const kappa = params.orderBookDepthFactor ?? fit?.kappa ?? bootstrapKappa(ctx.market.bestBid, ctx.market.bestAsk);
    const kappaSource = params.orderBookDepthFactor !== undefined ? "given" : fit ? "fitted" : "market-spread";
    const q = inventoryQ(ctx.inventory.base, ctx.inventory.quote, mid, targetPct, orderAmount);
    const timeLeft = timeLeftFraction(ctx.now, horizonMs, horizon);
    state = { ...state, sigma, kappa, kappaSource, alpha: fit?.alpha ?? null, q, timeLeft };
    if (sigma === null || kappa === null) return [];

    const { reservationPrice, optimalSpread } = reservationAndSpread({ mid, q, gamma, sigma, kappa, timeLeft });
    state = { ...state, reservationPrice, optimalSpread };
    // As Hummingbot: each side at least minimumSpread/2 of the mid away from it.
    const bidPrice = Math.min(reservationPrice - optimalSpread / 2, mid * (1 - minimumSpread / 2));
    const askPrice = Math.max(reservationPrice + optimalSpread / 2, mid * (1 + minimumSpread / 2));
    const bidAmount = q > 0 ? orderAmount * Math.exp(-eta * q) : orderAmount;
    const askAmount = q < 0 ? orderAmount * Math.exp(eta * q) : orderAmount;
    const out: Quote[] = [];
    if (bidPrice > 0 && bidAmount > 0) out.push({ side: "buy", price: bidPrice, amount: bidAmount, level: 0 });
    if (askAmount > 0) out.push({ side: "sell", price: askPrice, amount: askAmount, level: 0 });
    return out;
  }

  return {
    name: "avellaneda_stoikov",
    observeMid: (ts, mid) => vol.add(ts, mid),
    observeTrade: (trade, midAtTrade) => intensity.add(trade.ts, trade.price, trade.amount, midAtTrade),
    quotes,
    describe: () => ({ ...state }),
  };
}
