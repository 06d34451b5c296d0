/**
 * Exact bigint helpers for liquidity: slippage minimums, tick rounding, price ↔ tick
 * (price maths may use floats; results are rounded to usable ticks at the boundary).
 */
import { LiquidityError } from "./errors";

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MAX_UINT128 = (1n << 128n) - 1n;
const Q96 = 1n << 96n;

/** `amount` less `bps` basis points, rounded down (0 ≤ bps ≤ 10000). */
export function minWithSlippage(amount: bigint, bps: number): bigint {
  if (!Number.isInteger(bps) || bps < 0 || bps > 10_000) throw new LiquidityError("INVALID_PARAMS", `slippageBps must be an integer 0-10000, got ${bps}`, { field: "slippageBps" });
  return (amount * BigInt(10_000 - bps)) / 10_000n;
}

/** The usable tick nearest to `tick` for a pool's tick spacing, within the usable bounds. */
export function nearestUsableTick(tick: number, spacing: number): number {
  if (!Number.isInteger(spacing) || spacing <= 0) throw new RangeError(`tick spacing must be a positive integer, got ${spacing}`);
  const rounded = Math.round(tick / spacing) * spacing;
  const min = Math.ceil(MIN_TICK / spacing) * spacing;
  const max = Math.floor(MAX_TICK / spacing) * spacing;
  return Math.min(max, Math.max(min, rounded)) + 0; // + 0 turns -0 into 0
}

/** Tick of a human price (token1 per token0, decimal string or number) for tokens of these decimals. */
export function priceToTick(price: string | number, decimals0: number, decimals1: number): number {
  const p = typeof price === "number" ? price : Number(price);
  if (!Number.isFinite(p) || p <= 0) throw new LiquidityError("INVALID_RANGE", `price must be a positive number, got ${price}`, { field: "price" });
  const raw = p * 10 ** (decimals1 - decimals0);
  return Math.floor(Math.log(raw) / Math.log(1.0001));
}

/** Human price (token1 per token0) at a tick, as a decimal string with 8 significant digits. */
export function tickToPrice(tick: number, decimals0: number, decimals1: number): string {
  const p = 1.0001 ** tick * 10 ** (decimals0 - decimals1);
  return Number(p.toPrecision(8)).toString();
}

/** Human price (token1 per token0) from sqrtPriceX96, 8 significant digits (display only). */
export function sqrtPriceToPrice(sqrtPriceX96: bigint, decimals0: number, decimals1: number): string {
  const s = Number(sqrtPriceX96) / Number(Q96);
  return Number((s * s * 10 ** (decimals0 - decimals1)).toPrecision(8)).toString();
}

/** Usable ticks [lower, upper) for a price range given as human prices (token1 per token0). */
export function ticksForPriceRange(priceLower: string, priceUpper: string, decimals0: number, decimals1: number, spacing: number): { tickLower: number; tickUpper: number } {
  if (!(Number(priceLower) < Number(priceUpper))) throw new LiquidityError("INVALID_RANGE", "priceLower must be below priceUpper", { field: "priceLower" });
  let tickLower = nearestUsableTick(priceToTick(priceLower, decimals0, decimals1), spacing);
  let tickUpper = nearestUsableTick(priceToTick(priceUpper, decimals0, decimals1), spacing);
  if (tickUpper <= tickLower) tickUpper = tickLower + spacing;
  if (tickUpper > Math.floor(MAX_TICK / spacing) * spacing) [tickLower, tickUpper] = [tickUpper - 2 * spacing, tickUpper - spacing];
  return { tickLower, tickUpper };
}

export interface RangeWidth {
  /** Full width of the range as a percent of the current price (e.g. 2 → ±1 %). */
  widthPct?: number;
  /** Full width of the range in ticks (rounded up to the spacing). */
  tickWidth?: number;
}

/**
 * A range of usable ticks centred on `tick` with the requested width; always
 * contains the tick (tickLower ≤ tick < tickUpper) and is at least one spacing wide.
 */
export function centeredRange(tick: number, spacing: number, width: RangeWidth): { tickLower: number; tickUpper: number } {
  let half: number;
  if (width.tickWidth !== undefined) {
    if (!(width.tickWidth > 0)) throw new LiquidityError("INVALID_RANGE", "tickWidth must be positive", { field: "tickWidth" });
    half = width.tickWidth / 2;
  } else if (width.widthPct !== undefined) {
    if (!(width.widthPct > 0 && width.widthPct < 200)) throw new LiquidityError("INVALID_RANGE", "widthPct must be between 0 and 200", { field: "widthPct" });
    // Symmetric in tick space: upper/lower = (1 + w/2) / (1 - w/2) in price.
    half = (Math.log(1 + width.widthPct / 200) - Math.log(1 - width.widthPct / 200)) / 2 / Math.log(1.0001);
  } else {
    throw new LiquidityError("INVALID_RANGE", "widthPct or tickWidth is required", { field: "widthPct" });
  }
  const min = Math.ceil(MIN_TICK / spacing) * spacing;
  const max = Math.floor(MAX_TICK / spacing) * spacing;
  let tickLower = Math.floor((tick - half) / spacing) * spacing;
  let tickUpper = Math.ceil((tick + half) / spacing) * spacing;
  if (tickLower > tick) tickLower = Math.floor(tick / spacing) * spacing;
  if (tickUpper <= tick) tickUpper = (Math.floor(tick / spacing) + 1) * spacing;
  tickLower = Math.max(min, tickLower);
  tickUpper = Math.min(max, tickUpper);
  if (tickUpper <= tickLower) tickUpper = tickLower + spacing;
  return { tickLower: tickLower + 0, tickUpper: tickUpper + 0 };
}

/** A position is active when tickLower ≤ tick < tickUpper (Uniswap V3's convention). */
export function inRange(tick: number, tickLower: number, tickUpper: number): boolean {
  return tick >= tickLower && tick < tickUpper;
}

/**
 * How much of which token to swap so both amounts are worth the same at the pool price
 * (what a range centred on the price needs). Exact bigint maths on sqrtPriceX96.
 */
export function rebalanceSwap(amount0: bigint, amount1: bigint, sqrtPriceX96: bigint): { zeroForOne: boolean; amountIn: bigint } | null {
  const priceX192 = sqrtPriceX96 * sqrtPriceX96;
  const value0 = (amount0 * priceX192) >> 192n; // amount0 in token1 units
  if (value0 === amount1) return null;
  if (value0 > amount1) {
    if (value0 === 0n) return null;
    const amountIn = (amount0 * (value0 - amount1)) / (2n * value0);
    return amountIn > 0n ? { zeroForOne: true, amountIn } : null;
  }
  const amountIn = (amount1 - value0) / 2n;
  return amountIn > 0n ? { zeroForOne: false, amountIn } : null;
}
