/**
 * The one configured decimal.js class of mmesh: import `Decimal` from here, never from "decimal.js"
 * (test/unit/decimal/imports.test.ts fails on a direct import in lib/, services/ or bin/).
 *
 * decimal.js's defaults do not suit money: 20 significant digits round products and sums of long
 * amounts, and toString() writes exponent notation below 1e-7 ("1e-8") and from 1e21, which the wire's
 * decimal pattern refuses. Here:
 * - precision 60: sums, differences and products of wire amounts (≤ 30 integer and 30 fractional
 *   digits each, in practice far fewer) stay exact; a non-terminating quotient is rounded to 60
 *   significant digits (ROUND_HALF_UP, decimal.js's default);
 * - toExpNeg / toExpPos ±1e9: toString() and toJSON() are always plain decimal strings.
 *
 * A module that needs another rounding or precision derives a clone from this class
 * (`Decimal.clone({ rounding: Decimal.ROUND_HALF_EVEN })`): a clone copies every setting it is
 * not given, so it keeps the plain notation. Instances of all clones share one prototype:
 * `instanceof Decimal`, `Decimal.isDecimal` and mixing instances of two clones in one operation
 * work (an operation uses the settings of the instance it is called on).
 */
import DecimalJs from "decimal.js";

export const Decimal = DecimalJs.clone({ precision: 60, toExpNeg: -1e9, toExpPos: 1e9 });
export type Decimal = DecimalJs;

/**
 * A number or decimal string as a plain decimal string ("0.00000001", never "1e-8"). A number is
 * read through its shortest round-trip text, so 0.1 gives "0.1", not its binary expansion.
 */
export function plainDecimal(value: number | string | Decimal): string {
  if (typeof value === "number") {
    const text = String(value); // shortest round-trip text; exponent below 1e-6 and from 1e21
    return text.includes("e") ? new Decimal(text).toFixed() : text;
  }
  return new Decimal(value).toFixed();
}
