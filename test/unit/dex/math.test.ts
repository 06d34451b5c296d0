import { DexError, QuoteStore, codeForRevert, formatRatio, maximumIn, minimumOut, priceFromReserves, priceFromSqrtX96, sqrtFloor, v2AmountIn, v2AmountOut, type Quote } from "../../../lib/dex";
import { encodeSqrtPriceX96 } from "../../../lib/chain";

describe("lib/dex math", () => {
  it("formats ratios exactly to 18 significant digits, rounding half up", () => {
    expect(formatRatio({ num: 1n, den: 3n })).toBe("0.333333333333333333");
    expect(formatRatio({ num: 2n, den: 3n })).toBe("0.666666666666666667");
    expect(formatRatio({ num: 3000n, den: 1n })).toBe("3000");
    expect(formatRatio({ num: 10n ** 30n, den: 3n })).toBe("333333333333333333000000000000");
    expect(formatRatio({ num: 1n, den: 10n ** 25n })).toBe("0.0000000000000000000000001");
    expect(formatRatio({ num: 999999999999999999999n, den: 10n ** 21n })).toBe("1");
    expect(formatRatio({ num: 0n, den: 7n })).toBe("0");
    expect(formatRatio({ num: 1n, den: 8n }, 2)).toBe("0.13");
  });

  it("derives prices from reserves and sqrtPriceX96 with token decimals", () => {
    // 500 WETH (18) / 1,500,000 USDC (6)
    expect(formatRatio(priceFromReserves(500n * 10n ** 18n, 1_500_000n * 10n ** 6n, 18, 6))).toBe("3000");
    expect(formatRatio(priceFromReserves(1_500_000n * 10n ** 6n, 500n * 10n ** 18n, 6, 18))).toBe("0.000333333333333333333");
    const q96 = 1n << 96n;
    expect(formatRatio(priceFromSqrtX96(q96, 18, 18))).toBe("1");
    expect(formatRatio(priceFromSqrtX96(2n * q96, 6, 6))).toBe("4");
    const s = encodeSqrtPriceX96(1_500_000n * 10n ** 6n, 500n * 10n ** 18n);
    expect(formatRatio(priceFromSqrtX96(s, 18, 6), 12)).toBe("3000");
  });

  it("computes slippage bounds once in bigint: floor for minOut, ceil for maxIn", () => {
    expect(minimumOut(10_000n, 50)).toBe(9_950n);
    expect(minimumOut(999n, 1)).toBe(998n); // 998.9001 floored
    expect(maximumIn(10_000n, 50)).toBe(10_050n);
    expect(maximumIn(999n, 1)).toBe(1000n); // 999.0999 ceiled
    expect(minimumOut(123n, 0)).toBe(123n);
    expect(() => minimumOut(1n, 10_000)).toThrow(RangeError);
    expect(() => maximumIn(1n, 1.5)).toThrow(RangeError);
  });

  it("V2 amount formulas and integer square roots", () => {
    const out = v2AmountOut(10n ** 18n, 500n * 10n ** 18n, 1_500_000n * 10n ** 6n);
    expect(out).toBe(2_985_047_814n); // 997e15·1.5e12 / 500.997e21, floored
    expect(v2AmountIn(out, 500n * 10n ** 18n, 1_500_000n * 10n ** 6n) <= 10n ** 18n).toBe(true);
    expect(() => v2AmountIn(10n, 5n, 10n)).toThrow("INSUFFICIENT_LIQUIDITY");
    expect(sqrtFloor(99n)).toBe(9n);
    expect(sqrtFloor(10n ** 40n)).toBe(10n ** 20n);
  });

  it("maps Uniswap revert reasons to stable codes", () => {
    expect(codeForRevert("UniswapV2Router: INSUFFICIENT_OUTPUT_AMOUNT")).toBe("SLIPPAGE_EXCEEDED");
    expect(codeForRevert("Too little received")).toBe("SLIPPAGE_EXCEEDED");
    expect(codeForRevert("Too much requested")).toBe("SLIPPAGE_EXCEEDED");
    expect(codeForRevert("UniswapV2Router: EXCESSIVE_INPUT_AMOUNT")).toBe("SLIPPAGE_EXCEEDED");
    expect(codeForRevert("UniswapV2Router: EXPIRED")).toBe("DEADLINE_PASSED");
    expect(codeForRevert("Transaction too old")).toBe("DEADLINE_PASSED");
    expect(codeForRevert("UniswapV2Library: INSUFFICIENT_LIQUIDITY")).toBe("INSUFFICIENT_LIQUIDITY");
    expect(codeForRevert("STF")).toBe("INSUFFICIENT_ALLOWANCE");
    expect(codeForRevert("ERC20: transfer amount exceeds balance")).toBe("INSUFFICIENT_BALANCE");
    expect(codeForRevert("something else")).toBeNull();
  });

  it("keeps quotes until they expire, then refuses them with QUOTE_EXPIRED", () => {
    let now = 1_000;
    const store = new QuoteStore({ now: () => now, keepExpiredMs: 100 });
    store.put({ id: "q1", expiresAt: 1_500 } as Quote);
    expect(store.take("q1").id).toBe("q1");
    now = 1_500;
    expect(() => store.take("q1")).toThrow(expect.objectContaining({ code: "QUOTE_EXPIRED" }) as unknown as DexError);
    now = 2_000;
    store.prune();
    expect(() => store.take("q1")).toThrow(expect.objectContaining({ code: "QUOTE_NOT_FOUND" }) as unknown as DexError);
  });
});
