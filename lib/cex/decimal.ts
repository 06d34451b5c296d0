/** Decimal strings at the exchange boundary: ccxt hands out JS numbers, mmesh's wire carries strings. */
import { Decimal as D } from "../decimal";

export const DECIMAL_PATTERN = /^(0|[1-9]\d{0,29})(\.\d{1,30})?$/;

/** A ccxt number (or numeric string) as a plain decimal string ("0.0000001", never "1e-7"); null when absent. */
export function toDecimalString(value: number | string | bigint | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  if (typeof value === "string" && value.trim() === "") return null;
  // Number → shortest round-trip text, so 0.1 stays "0.1" rather than its binary expansion.
  const d = new D(typeof value === "bigint" ? value.toString() : value);
  return d.toFixed();
}

export function isPositiveDecimal(value: string): boolean {
  return DECIMAL_PATTERN.test(value) && new D(value).gt(0);
}

export function mulDecimal(...factors: string[]): string {
  return factors.reduce((acc, f) => acc.mul(f), new D(1)).toFixed();
}

export function addDecimal(a: string, b: string): string {
  return new D(a).add(b).toFixed();
}

export function compareDecimal(a: string, b: string): number {
  return new D(a).cmp(b);
}

export function isZeroDecimal(value: string | null | undefined): boolean {
  return value === null || value === undefined || new D(value).isZero();
}

/** a / b rounded to 30 decimals (the wire's limit): exact whenever the quotient terminates by then. */
export function divDecimal(a: string, b: string): string {
  return new D(a).div(b).toDecimalPlaces(30, D.ROUND_HALF_EVEN).toFixed();
}
