/**
 * Guéant, Lehalle & Fernandez-Tapia (2013), "Dealing with the inventory risk: a solution to the
 * market making problem", the closed-form approximation of the infinite-horizon optimal quotes
 * (their eq. for the asymptotic regime, in the form with an order size Δ of Guéant 2017, ξ = γ):
 *
 *   c1 = (1/(γΔ))·ln(1 + γΔ/k)
 *   c2 = √( γ / (2·A·Δ·k) · (1 + γΔ/k)^(k/(γΔ) + 1) )
 *   half-spread = c1 + (Δ/2)·σ·c2,   skew = σ·c2
 *   bid = mid − (half-spread + skew·q),   ask = mid + (half-spread − skew·q)
 *
 * Units: time in seconds; σ in price per √s; A in fills of size Δ per second (the intensity of
 * being hit at the mid); k in 1/price; γ in 1/(quote·base) so γΔ is in 1/price like k; q and Δ
 * in base. q is the base held above the target (inventoryTargetBasePct of the portfolio).
 * A and k are fitted from trade prints as for A-S (λ(δ) = α·e^(−kδ) base/s, so A = α/Δ).
 */
import { feeFloorState, floorQuotes, type FeeFloorResult } from "./fee-floor";
import { hasTopOfBook, midOf, toNumber } from "./price";
import { RollingVolatility } from "./volatility";
import { TradingIntensity } from "./trading-intensity";
import type { Quote, Strategy, StrategyContext } from "./types";

export interface GlftParams {
  orderAmount: string | number;
  /** γ */
  riskAversion: number;
  /** k; fitted from trades when absent. */
  orderBookDepthFactor?: number;
  /** A (1/s); fitted from trades when absent. */
  arrivalRate?: number;
  /** A fixed σ (price per √s); estimated from the mid when absent. */
  volatility?: number;
  volatilityWindow?: number;
  intensityWindow?: number;
  inventoryTargetBasePct?: number;
  /** Stop quoting the side that would grow |q| beyond this many base units (GLFT's Q). */
  maxInventory?: string | number;
  edgeOverFee?: number;
}

export interface GlftInputs {
  gamma: number;
  sigma: number;
  A: number;
  k: number;
  /** Δ, the order size in base. */
  delta: number;
}

export function glftCoefficients(i: GlftInputs): { c1: number; c2: number; halfSpread: number; skew: number } {
  const x = i.gamma * i.delta;
  const c1 = (1 / x) * Math.log(1 + x / i.k);
  const c2 = Math.sqrt((i.gamma / (2 * i.A * i.delta * i.k)) * (1 + x / i.k) ** (i.k / x + 1));
  return { c1, c2, halfSpread: c1 + (i.delta / 2) * i.sigma * c2, skew: i.sigma * c2 };
}

/** Bid and ask distances from the mid (price units) at inventory q (base above target). */
export function glftDepths(i: GlftInputs, q: number): { bidDepth: number; askDepth: number } {
  const { halfSpread, skew } = glftCoefficients(i);
  return { bidDepth: halfSpread + skew * q, askDepth: halfSpread - skew * q };
}

export function createGlft(params: GlftParams): Strategy {
  const gamma = params.riskAversion;
  const delta = toNumber(params.orderAmount);
  const targetPct = params.inventoryTargetBasePct ?? 0.5;
  const maxInventory = params.maxInventory === undefined ? Infinity : toNumber(params.maxInventory);
  const edgeOverFee = params.edgeOverFee ?? 0;
  const vol = new RollingVolatility(params.volatilityWindow ?? 200);
  const intensity = new TradingIntensity(params.intensityWindow ?? 200);
  const empty = {
    sigma: null, k: null, A: null, intensitySource: null, q: null, halfSpread: null, skew: null, bidDepth: null, askDepth: null,
    makerFee: null, feeFloor: null, widened: null, widenedReason: null, warning: null,
  };
  let state: Record<string, number | string | null> = { ...empty };
  // the fee floor's words are made when describe() asks
  let floorShown: FeeFloorResult | null = null;

  function quotes(ctx: StrategyContext): Quote[] {
    state = { ...empty };
    floorShown = null;
    if (!hasTopOfBook(ctx.market) || !(delta > 0)) return [];
    const mid = midOf(ctx.market);
    const sigma = params.volatility ?? vol.sigma(1000);
    if (ctx.rules.tickSize > 0) intensity.bucketWidth = ctx.rules.tickSize / 2;
    const fit = params.orderBookDepthFactor === undefined || params.arrivalRate === undefined ? intensity.fit() : null;
    const k = params.orderBookDepthFactor ?? fit?.kappa ?? null;
    const A = params.arrivalRate ?? (fit ? fit.alpha / delta : null);
    const { base, quote } = ctx.inventory;
    const q = base - targetPct * (base + quote / mid);
    const given = params.orderBookDepthFactor !== undefined && params.arrivalRate !== undefined;
    state = { ...state, sigma, k, A, intensitySource: given ? "given" : fit ? "fitted" : "not fitted yet", q };
    if (sigma === null || k === null || A === null) return [];
    const { halfSpread, skew } = glftCoefficients({ gamma, sigma, A, k, delta });
    const bidDepth = halfSpread + skew * q;
    const askDepth = halfSpread - skew * q;
    state = { ...state, halfSpread, skew, bidDepth, askDepth };
    const out: Quote[] = [];
    const warnings: string[] = [];
    const bidPrice = mid - bidDepth;
    if (q + delta > maxInventory) warnings.push(`bid withheld: q ${q} + ${delta} would pass maxInventory ${maxInventory}`);
    else if (bidPrice > 0) out.push({ side: "buy", price: bidPrice, amount: delta, level: 0 });
    else warnings.push(`bid at ${bidPrice} is at or below 0: not quoted`);
    if (q - delta < -maxInventory) warnings.push(`ask withheld: q ${q} − ${delta} would pass −maxInventory ${maxInventory}`);
    else out.push({ side: "sell", price: mid + askDepth, amount: delta, level: 0 });
    if (warnings.length) state.warning = warnings.join("; ");
    floorShown = floorQuotes(out, mid, ctx.rules, edgeOverFee);
    return floorShown.quotes;
  }

  return {
    name: "glft",
    observeMid: (ts, mid) => vol.add(ts, mid),
    observeTrade: (trade, midAtTrade) => intensity.add(trade.ts, trade.price, trade.amount, midAtTrade),
    quotes,
    describe: () => ({ ...state, ...(floorShown ? feeFloorState(floorShown) : {}) }),
  };
}
