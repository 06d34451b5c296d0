/**
 * Exact decimal arithmetic for the paper exchange: every price, amount, balance and fee is a
 * bigint holding the value scaled by 10^18 ("units"). Inputs arrive as decimal strings (or JS
 * numbers from ccxt-style callers, read through their shortest string form), outputs leave as
 * trimmed decimal strings, so no float ever touches money.
 */

export const DECIMALS = 18;
export const SCALE = 10n ** BigInt(DECIMALS);

export type DecimalInput = string | number;

export interface ParsedUnits {
  units: bigint;
  /** false when the input had non-zero digits beyond 18 decimals (they were truncated) */
  exact: boolean;
}

const DECIMAL_PATTERN = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export class DecimalFormatError extends Error {
  override name = 'DecimalFormatError';
}

/** Parses a decimal string or number into units, truncating (and flagging) digits beyond 18 decimals. */
export function parseUnits(value: DecimalInput, what = 'value'): ParsedUnits {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new DecimalFormatError(`${what} must be a finite number, got ${value}`);
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new DecimalFormatError(`${what} must be a decimal string or number, got ${typeof value}`);
  }
  const match = DECIMAL_PATTERN.exec(text);
  if (!match || (match[2] === '' && (match[3] === undefined || match[3] === ''))) {
    throw new DecimalFormatError(`${what} is not a decimal number: "${text}"`);
  }
  const negative = match[1] === '-';
  const intDigits = match[2] || '';
  const fracDigits = match[3] || '';
  const exponent = match[4] ? Number(match[4]) : 0;
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > 1000) {
    throw new DecimalFormatError(`${what} has an out-of-range exponent: "${text}"`);
  }
  // Shift the decimal point by the exponent, then keep DECIMALS fractional digits.
  let digits = intDigits + fracDigits;
  let pointIndex = intDigits.length + exponent;
  if (pointIndex < 0) {
    digits = '0'.repeat(-pointIndex) + digits;
    pointIndex = 0;
  }
  if (pointIndex > digits.length) {
    digits = digits + '0'.repeat(pointIndex - digits.length);
  }
  const wholePart = digits.slice(0, pointIndex) || '0';
  const fraction = digits.slice(pointIndex);
  const kept = fraction.slice(0, DECIMALS).padEnd(DECIMALS, '0');
  const dropped = fraction.slice(DECIMALS);
  const units = BigInt(wholePart) * SCALE + BigInt(kept);
  return { units: negative ? -units : units, exact: !/[1-9]/.test(dropped) };
}

/** Parses a decimal exactly; throws if it cannot be represented with 18 decimals. */
export function toUnits(value: DecimalInput, what = 'value'): bigint {
  const parsed = parseUnits(value, what);
  if (!parsed.exact) throw new DecimalFormatError(`${what} has more than ${DECIMALS} decimals: "${value}"`);
  return parsed.units;
}

/** Formats units as a plain decimal string without trailing zeros ("100.5", "0", "-0.001"). */
export function formatUnits(units: bigint): string {
  if (units === 0n) return '0';
  const negative = units < 0n;
  // Digits, then the point placed by slicing: a bigint division per call costs more than the rest.
  const digits = (negative ? -units : units).toString();
  const whole = digits.length > DECIMALS ? digits.slice(0, digits.length - DECIMALS) : '0';
  const fraction = digits.length > DECIMALS ? digits.slice(digits.length - DECIMALS) : digits.padStart(DECIMALS, '0');
  let end = fraction.length;
  while (end > 0 && fraction.charCodeAt(end - 1) === 48 /* "0" */) end--;
  const text = end > 0 ? `${whole}.${fraction.slice(0, end)}` : whole;
  return negative ? `-${text}` : text;
}

/** For ccxt-shaped outputs, which carry JS numbers: the closest double to the exact value. */
export function unitsToNumber(units: bigint): number {
  return Number(formatUnits(units));
}

export function optionalNumber(units: bigint | undefined | null): number | undefined {
  return units === undefined || units === null ? undefined : unitsToNumber(units);
}

export function optionalString(units: bigint | undefined | null): string | undefined {
  return units === undefined || units === null ? undefined : formatUnits(units);
}

/** a × b, truncated toward zero (exact whenever the result fits 18 decimals). */
export function mulUnits(a: bigint, b: bigint): bigint {
  return (a * b) / SCALE;
}

/** a × b rounded toward +infinity: used for fees so the venue never under-charges. */
export function mulUnitsCeil(a: bigint, b: bigint): bigint {
  const product = a * b;
  const quotient = product / SCALE;
  return product > 0n && product % SCALE !== 0n ? quotient + 1n : quotient;
}

/** a ÷ b, truncated toward zero. */
export function divUnits(a: bigint, b: bigint): bigint {
  return (a * SCALE) / b;
}

export function maxUnits(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

/** Number of significant decimals in a units value (0.01 → 2). */
export function decimalsOf(units: bigint): number {
  const text = formatUnits(units < 0n ? -units : units);
  const point = text.indexOf('.');
  return point < 0 ? 0 : text.length - point - 1;
}
