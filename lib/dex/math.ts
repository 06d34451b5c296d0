/** Exact bigint math for DEX prices and slippage bounds (no floats on amounts). */
import { formatUnits, parseUnits } from "ethers";

export const Q192 = 1n << 192n;
export const BPS = 10_000n;

/** A non-negative rational number num/den (den > 0). */
export interface Ratio {
  num: bigint;
  den: bigint;
}

/**
 * num/den as a decimal string rounded (half up) to `sig` significant digits, without exponent
 * and without trailing zeros: formatRatio(1n, 3n) = "0.333333333333333333".
 */
export function formatRatio(r: Ratio, sig = 18): string {
  const { num, den } = r;
  if (den <= 0n) throw new RangeError("denominator must be positive");
  if (num < 0n) throw new RangeError("negative ratio");
  if (num === 0n) return "0";
  // exponent e such that 10^e <= num/den < 10^(e+1)
  let e = num.toString().length - den.toString().length;
  const pow = (k: number) => 10n ** BigInt(k);
  const atLeast = (k: number) => (k >= 0 ? num >= den * pow(k) : num * pow(-k) >= den);
  if (!atLeast(e)) e -= 1;
  else if (atLeast(e + 1)) e += 1;
  // scaled = round(num/den * 10^(sig-1-e))
  const shift = sig - 1 - e;
  const n = shift >= 0 ? num * pow(shift) : num;
  const d = shift >= 0 ? den : den * pow(-shift);
  let scaled = n / d;
  if ((n % d) * 2n >= d) scaled += 1n;
  // scaled has sig (or sig+1 after a carry) digits; value = scaled * 10^-shift
  if (shift <= 0) return (scaled * pow(-shift)).toString();
  let digits = scaled.toString();
  if (digits.length <= shift) digits = "0".repeat(shift - digits.length + 1) + digits;
  const int = digits.slice(0, digits.length - shift);
  const frac = digits.slice(digits.length - shift).replace(/0+$/, "");
  return frac ? `${int}.${frac}` : int;
}

export const invert = (r: Ratio): Ratio => {
  if (r.num === 0n) throw new RangeError("cannot invert zero");
  return { num: r.den, den: r.num };
};

/** Human price of token0 in token1 from a V3 sqrtPriceX96: (sqrtP² / 2¹⁹²) · 10^(d0−d1). */
export function priceFromSqrtX96(sqrtPriceX96: bigint, decimals0: number, decimals1: number): Ratio {
  return { num: sqrtPriceX96 * sqrtPriceX96 * 10n ** BigInt(decimals0), den: Q192 * 10n ** BigInt(decimals1) };
}

/** Human price of token0 in token1 from V2 reserves. */
export function priceFromReserves(reserve0: bigint, reserve1: bigint, decimals0: number, decimals1: number): Ratio {
  if (reserve0 === 0n) throw new RangeError("empty pool");
  return { num: reserve1 * 10n ** BigInt(decimals0), den: reserve0 * 10n ** BigInt(decimals1) };
}

/** Lowest acceptable output for exact-in: floor(amountOut · (10000 − bps) / 10000). */
export function minimumOut(amountOut: bigint, slippageBps: number): bigint {
  checkBps(slippageBps);
  return (amountOut * (BPS - BigInt(slippageBps))) / BPS;
}

/** Highest acceptable input for exact-out: ceil(amountIn · (10000 + bps) / 10000). */
export function maximumIn(amountIn: bigint, slippageBps: number): bigint {
  checkBps(slippageBps);
  return (amountIn * (BPS + BigInt(slippageBps)) + BPS - 1n) / BPS;
}

function checkBps(bps: number): void {
  if (!Number.isInteger(bps) || bps < 0 || bps >= 10_000) throw new RangeError(`slippageBps must be an integer 0-9999, got ${bps}`);
}

/** Uniswap V2 getAmountOut (0.3 % fee). */
export function v2AmountOut(amountIn: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  const withFee = amountIn * 997n;
  return (withFee * reserveOut) / (reserveIn * 1000n + withFee);
}

/** Uniswap V2 getAmountIn (0.3 % fee); throws when amountOut ≥ reserveOut. */
export function v2AmountIn(amountOut: bigint, reserveIn: bigint, reserveOut: bigint): bigint {
  if (amountOut >= reserveOut) throw new RangeError("INSUFFICIENT_LIQUIDITY");
  return (reserveIn * amountOut * 1000n) / ((reserveOut - amountOut) * 997n) + 1n;
}

/**
 * Price impact of a trade against the mid price, as a decimal fraction string (6 significant
 * digits): 1 − (execution price / mid price), fees included. `mid` is tokenOut per tokenIn in base units.
 */
export function priceImpact(amountIn: bigint, amountOut: bigint, mid: Ratio): string {
  if (amountIn === 0n || mid.num === 0n) return "0";
  // exec/mid = (amountOut/amountIn) / (mid.num/mid.den)
  const num = amountOut * mid.den;
  const den = amountIn * mid.num;
  if (num >= den) return "0";
  return formatRatio({ num: den - num, den }, 6);
}

const DECIMAL = /^\d+(\.\d+)?$/;
export function parseAmount(amount: string, decimals: number): bigint | null {
  if (!DECIMAL.test(amount)) return null;
  if ((amount.split(".")[1] ?? "").length > decimals) return null;
  return parseUnits(amount, decimals);
}

export const formatAmount = (v: bigint, decimals: number) => formatUnits(v, decimals).replace(/\.0$/, "");

export function sqrtFloor(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}
