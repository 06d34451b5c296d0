/**
 * Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book", in the modes
 * Hummingbot's avellaneda_market_making defines, with the paper's σ² (see DESIGN.md). Units
 * (docs/strategies.md): prices in quote per base; time in horizons (one unit = horizonMs); σ in
 * price per √horizon; κ in 1/price; q per `inventoryUnit` (a fraction of the portfolio, as
 * Hummingbot, or a count of orders).
 *
 * Horizons:
 *   finite   r = s − q·γ·σ²·(T−t), δ = γ·σ²·(T−t) + (2/γ)·ln(1 + γ/κ), over sessions of
 *            horizonMs from sessionStartMs, with `sessionEnd` deciding what happens at T.
 *   infinite Hummingbot's infinite-horizon formula (the paper's §2.3 with γ → 1/γ, q_max = 1).
 *   constant the finite formula with T−t held at 1 (Hummingbot's newest "infinite" source).
 */
import { feeFloorState, floorQuotes, type FeeFloorResult } from "./fee-floor";
import { hasTopOfBook, midOf, toNumber } from "./price";
import { RollingVolatility } from "./volatility";
import { TradingIntensity } from "./trading-intensity";
import type { Quote, Strategy, StrategyContext } from "./types";

export type AsHorizon = "finite" | "infinite" | "constant";
export type SessionEnd = "roll" | "stop" | "flatten";
export type InventoryUnit = "portfolio" | "orders";

export interface AvellanedaStoikovParams {
  orderAmount: string | number;
  /** γ */
  riskAversion: number;
  /** κ; fitted from trades when absent. */
  orderBookDepthFactor?: number;
  /** η */
  orderAmountShape?: number;
  horizon?: AsHorizon;
  /** Session length (finite) and σ's time unit (every mode). */
  horizonMs?: number;
  /** Start of the first session (epoch ms); default 0, sessions aligned to epoch time. */
  sessionStartMs?: number;
  sessionEnd?: SessionEnd;
  inventoryUnit?: InventoryUnit;
  /** A fixed σ (price per √horizon); estimated from the mid when absent. */
  volatility?: number;
  volatilityWindow?: number;
  minimumSpread?: number;
  /** Keep bid ≤ mid ≤ ask (Hummingbot always does). */
  clampToMid?: boolean;
  orderLevels?: number;
  /** Hummingbot level_distances: level i sits i·levelDistances % of the half optimal spread further out. */
  levelDistances?: number;
  /** Amount added per level (as PMM's orderLevelAmount). */
  orderLevelAmount?: string | number;
  inventoryTargetBasePct?: number;
  intensityWindow?: number;
  edgeOverFee?: number;
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

/**
 * Hummingbot's infinite horizon, q_max = 1: with v = σ²/γ² and ω = ½·v·(q_max + 1)²,
 *   o_a = γ·ln(1 + (1 − 2q)·v / (2ω − v·q²)),  o_b = γ·ln(1 + (−1 − 2q)·v / (2ω − v·q²)),
 *   r = s + (o_a + o_b)/2,  δ = −(o_a + o_b)/(2q) + (2/γ)·ln(1 + γ/κ).
 * σ cancels out. The inventory term of δ is undefined at q = 0 and negative for small q < 0:
 * there it is left out (`inventoryTermDropped`). Null when the logarithms are undefined (|q| near 1 and beyond).
 */
export function infiniteHorizon(mid: number, q: number, gamma: number, sigma: number, kappa: number): { reservationPrice: number; optimalSpread: number; inventoryTermDropped: boolean } | null {
  const qMax = 1;
  const v = (sigma / gamma) ** 2;
  const omega = 0.5 * v * (qMax + 1) ** 2;
  const denominator = 2 * omega - v * q * q;
  const offsetAsk = gamma * Math.log(1 + ((1 - 2 * q) * v) / denominator);
  const offsetBid = gamma * Math.log(1 + ((-1 - 2 * q) * v) / denominator);
  if (!Number.isFinite(offsetAsk) || !Number.isFinite(offsetBid)) return null;
  const inventoryTerm = q === 0 ? NaN : -(offsetAsk + offsetBid) / (2 * q);
  const dropped = !(inventoryTerm >= 0);
  return {
    reservationPrice: mid + (offsetAsk + offsetBid) / 2,
    optimalSpread: (dropped ? 0 : inventoryTerm) + (2 / gamma) * Math.log(1 + gamma / kappa),
    inventoryTermDropped: dropped,
  };
}

/** Inventory relative to the target, in orders: q = (base − pct·(base + quote/mid)) / orderAmount. */
export function inventoryQ(base: number, quote: number, mid: number, targetBasePct: number, orderAmount: number): number {
  const target = targetBasePct * (base + quote / mid);
  return (base - target) / orderAmount;
}

/** Hummingbot's q: inventory over target as a fraction of the whole portfolio in base, (base − target) / (base + quote/mid). */
export function portfolioQ(base: number, quote: number, mid: number, targetBasePct: number): number | null {
  const total = base + quote / mid;
  if (!(total > 0)) return null;
  return (base - targetBasePct * total) / total;
}

export interface SessionPosition {
  /** "before": the first session has not started; "open": inside one; "ended": past a stop/flatten session's end. */
  phase: "before" | "open" | "ended";
  /** T − t in horizons (1 at a session's start, → 0 at its end); 0 once ended. */
  timeLeft: number;
  /** Start of the current (or last) session, ms. */
  sessionStart: number;
}

/** Where `now` falls in the sessions of `lengthMs` from `startMs`: one session, or back to back when rolling. */
export function sessionAt(now: number, startMs: number, lengthMs: number, end: SessionEnd): SessionPosition {
  if (now < startMs) return { phase: "before", timeLeft: 1, sessionStart: startMs };
  const index = Math.floor((now - startMs) / lengthMs);
  if (index >= 1 && end !== "roll") return { phase: "ended", timeLeft: 0, sessionStart: startMs };
  const sessionStart = startMs + index * lengthMs;
  return { phase: "open", timeLeft: (sessionStart + lengthMs - now) / lengthMs, sessionStart };
}

/** Time left to the end of the current epoch-aligned horizon window, in horizons: 1 at its start, → 0 at its end. */
export function timeLeftFraction(now: number, horizonMs: number, horizon: AsHorizon): number {
  if (horizon !== "finite") return 1;
  return sessionAt(now, 0, horizonMs, "roll").timeLeft;
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
  const sessionStartMs = params.sessionStartMs ?? 0;
  const sessionEnd = params.sessionEnd ?? "roll";
  const unit = params.inventoryUnit ?? "portfolio";
  const minimumSpread = params.minimumSpread ?? 0;
  const clampToMid = params.clampToMid ?? true;
  const levels = params.orderLevels ?? 1;
  const levelDistances = params.levelDistances ?? 0;
  const levelAmount = toNumber(params.orderLevelAmount ?? 0);
  const targetPct = params.inventoryTargetBasePct ?? 0.5;
  const edgeOverFee = params.edgeOverFee ?? 0;
  const vol = new RollingVolatility(params.volatilityWindow ?? 200);
  const intensity = new TradingIntensity(params.intensityWindow ?? 200);
  const empty = {
    sigma: null, sigmaSource: null, kappa: null, kappaSource: null, alpha: null, q: null, reservationPrice: null, optimalSpread: null,
    timeLeft: null, session: null, makerFee: null, feeFloor: null, widened: null, widenedReason: null, unquoted: null, warning: null,
  };
  // What describe() shows, kept without building strings or objects per quote: the session's
  // words and the fee floor's state are made when asked.
  const state: Record<string, number | string | null> = { ...empty };
  const keys = Object.keys(empty);
  let sessionShown: SessionPosition | null = null;
  let floorShown: FeeFloorResult | null = null;

  /** The orders that bring the base back to target after a flatten session's end: the reducing side only. */
  function flattenQuotes(mid: number, excessBase: number, liquidityHalf: number): Quote[] {
    const amount = Math.min(orderAmount, Math.abs(excessBase));
    if (excessBase > 0) return [{ side: "sell", price: mid + liquidityHalf, amount, level: 0 }];
    return [{ side: "buy", price: mid - liquidityHalf, amount, level: 0 }];
  }

  function quotes(ctx: StrategyContext): Quote[] {
    for (let i = 0; i < keys.length; i++) state[keys[i]] = null;
    sessionShown = null;
    floorShown = null;
    if (!hasTopOfBook(ctx.market) || !(orderAmount > 0)) return [];
    const mid = midOf(ctx.market);
    const sigma = params.volatility ?? vol.sigma(horizonMs);
    if (ctx.rules.tickSize > 0) intensity.bucketWidth = ctx.rules.tickSize / 2;
    const fit = params.orderBookDepthFactor === undefined ? intensity.fit() : null;
    const kappa = params.orderBookDepthFactor ?? fit?.kappa ?? bootstrapKappa(ctx.market.bestBid, ctx.market.bestAsk);
    const kappaSource = params.orderBookDepthFactor !== undefined ? "given" : fit ? "fitted" : "market-spread";
    const { base, quote } = ctx.inventory;
    const q = unit === "portfolio" ? portfolioQ(base, quote, mid, targetPct) : inventoryQ(base, quote, mid, targetPct, orderAmount);
    const session = horizon === "finite" ? sessionAt(ctx.now, sessionStartMs, horizonMs, sessionEnd) : null;
    const timeLeft = session ? session.timeLeft : 1;
    state.sigma = sigma;
    state.sigmaSource = params.volatility !== undefined ? "given" : "estimated";
    state.kappa = kappa;
    state.kappaSource = kappaSource;
    state.alpha = fit?.alpha ?? null;
    state.q = q;
    state.timeLeft = timeLeft;
    sessionShown = session;
    if (q === null) {
      state.warning = "the portfolio is empty: q is undefined";
      return [];
    }
    if (session?.phase === "before") {
      state.warning = `the session starts at ${new Date(sessionStartMs).toISOString()}`;
      return [];
    }
    if (sigma === null || kappa === null) return [];

    const liquidityTerm = (2 / gamma) * Math.log(1 + gamma / kappa);
    if (session?.phase === "ended") {
      const excessBase = base - targetPct * (base + quote / mid);
      if (sessionEnd === "stop" || Math.abs(excessBase) < Math.max(ctx.rules.lotSize, 1e-12)) {
        state.warning = `the session ended (sessionEnd ${sessionEnd})${sessionEnd === "flatten" ? ": inventory at target" : ""}`;
        return [];
      }
      state.warning = "the session ended: flattening the inventory to its target";
      return floored(flattenQuotes(mid, excessBase, liquidityTerm / 2), mid, ctx);
    }

    let reservationPrice: number;
    let optimalSpread: number;
    if (horizon === "infinite") {
      const inf = infiniteHorizon(mid, q, gamma, sigma, kappa);
      if (!inf) {
        state.warning = `the infinite-horizon formula is undefined at q = ${q}`;
        return [];
      }
      ({ reservationPrice, optimalSpread } = inf);
      if (inf.inventoryTermDropped) state.warning = `the infinite-horizon inventory spread term is undefined or negative at q = ${q}: left out`;
    } else {
      ({ reservationPrice, optimalSpread } = reservationAndSpread({ mid, q, gamma, sigma, kappa, timeLeft }));
    }
    state.reservationPrice = reservationPrice;
    state.optimalSpread = optimalSpread;
    // As Hummingbot: each side at least minimumSpread/2 of the mid away from it (which also keeps bid ≤ mid ≤ ask).
    let bid = reservationPrice - optimalSpread / 2;
    let ask = reservationPrice + optimalSpread / 2;
    if (clampToMid || minimumSpread > 0) {
      bid = Math.min(bid, mid * (1 - minimumSpread / 2));
      ask = Math.max(ask, mid * (1 + minimumSpread / 2));
    }
    const levelStep = (optimalSpread / 2 / 100) * levelDistances;
    const shapeQ = q;
    const out: Quote[] = [];
    let unquoted: string[] | null = null;
    for (let level = 0; level < levels; level++) {
      const amount = orderAmount + level * levelAmount;
      const bidAmount = shapeQ > 0 ? amount * Math.exp(-eta * shapeQ) : amount;
      const askAmount = shapeQ < 0 ? amount * Math.exp(eta * shapeQ) : amount;
      const bidPrice = bid - level * levelStep;
      const askPrice = ask + level * levelStep;
      if (bidPrice > 0 && bidAmount > 0) out.push({ side: "buy", price: bidPrice, amount: bidAmount, level });
      else (unquoted ??= []).push(`bid level ${level} at ${bidPrice}`);
      if (askPrice > 0 && askAmount > 0) out.push({ side: "sell", price: askPrice, amount: askAmount, level });
      else (unquoted ??= []).push(`ask level ${level} at ${askPrice}`);
    }
    if (unquoted) {
      state.unquoted = unquoted.join("; ");
      state.warning = `not quoted: ${state.unquoted} (price or amount at or below 0)`;
    }
    return floored(out, mid, ctx);
  }

  function floored(out: Quote[], mid: number, ctx: StrategyContext): Quote[] {
    floorShown = floorQuotes(out, mid, ctx.rules, edgeOverFee);
    return floorShown.quotes;
  }

  return {
    name: "avellaneda_stoikov",
    observeMid: (ts, mid) => vol.add(ts, mid),
    observeTrade: (trade, midAtTrade) => intensity.add(trade.ts, trade.price, trade.amount, midAtTrade),
    quotes,
    describe: () => ({
      ...state,
      session: sessionShown ? `${sessionShown.phase} (started ${new Date(sessionShown.sessionStart).toISOString()})` : null,
      ...(floorShown ? feeFloorState(floorShown) : {}),
    }),
  };
}
