/**
 * lib/decimal.ts is mmesh's one configured decimal.js class; product code imports it, never
 * "decimal.js" itself (whose defaults write "1e-8" and round at 20 significant digits).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import DecimalJs from "decimal.js";
import { Decimal, plainDecimal } from "../../../lib/decimal";

const ROOT = resolve(__dirname, "../../..");
const SCANNED = ["lib", "services", "bin"];
const HOME = "lib/decimal.ts";

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|tsx|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

const files = SCANNED.flatMap((d) => sources(join(ROOT, d))).map((path) => ({ path: relative(ROOT, path).split("\\").join("/"), text: readFileSync(path, "utf8") }));
const IMPORTS_DECIMAL_JS = /(\bfrom\s*|\brequire\s*\(\s*|\bimport\s*\(\s*|\bimport\s+)["']decimal\.js(\/[^"']*)?["']/;

describe("imports of decimal.js", () => {
  it("scans the product code (the guard can see what it guards)", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => IMPORTS_DECIMAL_JS.test(f.text)).map((f) => f.path)).toContain(HOME);
  });

  it("only lib/decimal.ts imports decimal.js; everything else imports its configured Decimal", () => {
    const direct = files.filter((f) => f.path !== HOME && IMPORTS_DECIMAL_JS.test(f.text)).map((f) => f.path);
    expect(direct).toEqual([]);
  });

  it("nobody else reconfigures decimal.js: a derived clone never brings exponent notation back", () => {
    const offenders = files
      .filter((f) => f.path !== HOME)
      .flatMap((f) => [...f.text.matchAll(/\.(clone|config|set)\s*\(\s*\{[^}]*\}/g)].filter((m) => /\b(toExpNeg|toExpPos|defaults)\b/.test(m[0])).map((m) => `${f.path}: ${m[0]}`));
    expect(offenders).toEqual([]);
    expect(files.filter((f) => f.path !== HOME && /\bDecimal\.(config|set)\s*\(/.test(f.text)).map((f) => f.path)).toEqual([]);
  });

  it("the pattern catches every form of import", () => {
    for (const line of ['import Decimal from "decimal.js";', "import { Decimal } from 'decimal.js';", 'import type Decimal from "decimal.js";', 'const D = require("decimal.js");', 'await import("decimal.js")', 'import "decimal.js";', 'import D from "decimal.js/decimal.mjs";']) {
      expect(IMPORTS_DECIMAL_JS.test(line)).toBe(true);
    }
    expect(IMPORTS_DECIMAL_JS.test('import { Decimal } from "../decimal";')).toBe(false);
  });
});

describe("the configured Decimal", () => {
  it("never writes exponent notation", () => {
    expect(new Decimal("0.00000001").toString()).toBe("0.00000001");
    expect(new DecimalJs("0.00000001").toString()).toBe("1e-8"); // what decimal.js's defaults write
    expect(new Decimal("1e-30").toString()).toBe("0.000000000000000000000000000001");
    expect(new Decimal("123456789012345678901234567890").toString()).toBe("123456789012345678901234567890");
    expect(JSON.stringify({ fee: new Decimal("0.000000000396") })).toBe('{"fee":"0.000000000396"}');
    expect(new Decimal(1).div(3).toString()).toBe(`0.${"3".repeat(60)}`);
  });

  it("keeps sums and products of long amounts exact (60 significant digits)", () => {
    const a = "98765432109876543210.987654321";
    expect(new Decimal(a).times("1.000000000000000000001").toString()).toBe("98765432109876543211.086419753109876543210987654321");
    expect(new DecimalJs(a).times("1.000000000000000000001").toString()).toBe("98765432109876543211"); // 20 digits
    expect(new Decimal("100000000.00001").plus("0.000000007585").toString()).toBe("100000000.000010007585");
  });

  it("has decimal.js's statics and rounding constants, and derived clones keep its notation", () => {
    expect(Decimal.ROUND_HALF_EVEN).toBe(DecimalJs.ROUND_HALF_EVEN);
    expect(Decimal.ROUND_DOWN).toBe(DecimalJs.ROUND_DOWN);
    expect(new Decimal("2.5").toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).toString()).toBe("2");
    expect(Decimal.min("1", "0.00000001").toString()).toBe("0.00000001");
    const halfEven = Decimal.clone({ rounding: Decimal.ROUND_HALF_EVEN });
    expect({ precision: halfEven.precision, toExpNeg: halfEven.toExpNeg, toExpPos: halfEven.toExpPos }).toEqual({ precision: 60, toExpNeg: -1e9, toExpPos: 1e9 });
    expect(new halfEven("0.00000001").toString()).toBe("0.00000001");
  });

  it("instances of every clone are Decimals and mix in one operation", () => {
    const halfEven = Decimal.clone({ rounding: Decimal.ROUND_HALF_EVEN });
    const a = new halfEven("0.00000001");
    expect(a instanceof Decimal).toBe(true);
    expect(new Decimal(1) instanceof halfEven).toBe(true);
    expect(new Decimal(1) instanceof DecimalJs).toBe(true);
    expect(Decimal.isDecimal(new DecimalJs(1))).toBe(true);
    expect(new Decimal("0.00000002").minus(a).toString()).toBe("0.00000001");
    expect(new Decimal(new DecimalJs("1e-8")).toString()).toBe("0.00000001");
  });
});

describe("plainDecimal", () => {
  it("writes numbers through their shortest text, without exponent", () => {
    expect(plainDecimal(1e-8)).toBe("0.00000001");
    expect(plainDecimal(0.1)).toBe("0.1");
    expect(plainDecimal(1.0100000000000001e-8)).toBe("0.000000010100000000000001");
    expect(plainDecimal(0.000020012594000000002)).toBe("0.000020012594000000002");
    expect(plainDecimal(1e21)).toBe("1000000000000000000000");
    expect(plainDecimal(-5e-7)).toBe("-0.0000005");
    expect(plainDecimal(0)).toBe("0");
    expect(plainDecimal(-0)).toBe("0");
  });

  it("writes decimal strings and Decimals normalized", () => {
    expect(plainDecimal("1e-8")).toBe("0.00000001");
    expect(plainDecimal("1.50")).toBe("1.5");
    expect(plainDecimal(new Decimal("2.5e-9"))).toBe("0.0000000025");
  });
});
