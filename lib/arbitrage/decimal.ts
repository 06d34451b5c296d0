/** Decimal arithmetic for the arbitrage domain: decimal strings in and out, never floats. */
import { Decimal } from "../decimal";

/** lib/decimal's class with ties rounded to even (the arbitrage domain's rounding). */
export const D = Decimal.clone({ rounding: Decimal.ROUND_HALF_EVEN });
export type Dec = InstanceType<typeof D>;

/** A decimal as a plain string with at most 18 fractional digits (no exponent, no trailing zeros). */
export function str(value: Dec | string, dp = 18): string {
  const d = new D(value).toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN);
  return d.isZero() ? "0" : d.toFixed();
}

/** The number of fractional digits of a decimal step ("0.0001" → 4). */
export function decimalsOf(step: string): number {
  return new D(step).decimalPlaces();
}

/** 1 basis point = 0.0001. */
export const bps = (n: number): Dec => new D(n).div(10_000);
