import { DecimalFormatError, DecimalInput, toUnits } from '../paper/fixed-point';

/**
 * A malformed input to a fee calculation. `field` is the path of the offending value
 * (e.g. `legs[1].price`) so a service can turn it into a ValidationError naming the field.
 */
export class FeeInputError extends Error {
  override name = 'FeeInputError';

  constructor(
    readonly field: string,
    readonly requirement: string,
    value: unknown,
  ) {
    super(`${field} must be ${requirement}, got ${describe(value)}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'bigint') return `${value}n`;
  const text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function decimalStringUnits(value: unknown, field: string, requirement: string): bigint {
  if (typeof value !== 'string') throw new FeeInputError(field, requirement, value);
  try {
    return toUnits(value, field);
  } catch (error) {
    if (error instanceof DecimalFormatError) throw new FeeInputError(field, requirement, value);
    throw error;
  }
}

export function positiveDecimal(value: unknown, field: string): bigint {
  const requirement = 'a positive decimal string';
  const units = decimalStringUnits(value, field, requirement);
  if (units <= 0n) throw new FeeInputError(field, requirement, value);
  return units;
}

export function nonNegativeDecimal(value: unknown, field: string): bigint {
  const requirement = 'a non-negative decimal string';
  const units = decimalStringUnits(value, field, requirement);
  if (units < 0n) throw new FeeInputError(field, requirement, value);
  return units;
}

/** A fee rate as a fraction: "0.001" is 0.1 %. Negative rates are maker rebates. */
export function feeRate(value: unknown, field: string): bigint {
  const requirement = 'a decimal string between -1 and 1 (a fraction: "0.001" is 0.1 %)';
  const units = decimalStringUnits(value, field, requirement);
  const one = toUnits('1');
  if (units <= -one || units >= one) throw new FeeInputError(field, requirement, value);
  return units;
}

/** Integers such as gas units or wei: a bigint, a safe non-negative integer number, or a digit string. */
export function nonNegativeInteger(value: unknown, field: string): bigint {
  const requirement = 'a non-negative integer (digit string, bigint or safe integer)';
  if (typeof value === 'bigint' && value >= 0n) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return BigInt(value.trim());
  throw new FeeInputError(field, requirement, value);
}

export function nonEmptyString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new FeeInputError(field, 'a non-empty string', value);
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new FeeInputError(field, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return value as T;
}

/** Book levels from ccxt carry numbers, levels from mmesh events carry strings: both are read exactly. */
export function bookDecimal(value: unknown, field: string, allowZero: boolean): bigint {
  const requirement = allowZero ? 'a non-negative decimal' : 'a positive decimal';
  if (typeof value !== 'string' && typeof value !== 'number') throw new FeeInputError(field, requirement, value);
  let units: bigint;
  try {
    units = toUnits(value as DecimalInput, field);
  } catch (error) {
    if (error instanceof DecimalFormatError) throw new FeeInputError(field, requirement, value);
    throw error;
  }
  if (units < 0n || (!allowZero && units === 0n)) throw new FeeInputError(field, requirement, value);
  return units;
}
