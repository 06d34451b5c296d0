import { encodeSqrtPriceX96, fullRangeTicks, sqrtBigInt, erc20WithDecimals, v2PairInitCodeHash, V2_ROUTER_PAIR_INIT_CODE_HASH } from "../../../lib/chain";
import { toWalletError, bumpedFees, toBaseUnits } from "../../../lib/wallet";

describe("chain math and wallet helpers", () => {
  it("computes exact integer square roots", () => {
    for (const n of [0n, 1n, 2n, 15n, 16n, 10n ** 40n + 7n, (1n << 192n) * 3n]) {
      const r = sqrtBigInt(n);
      expect(r * r <= n && (r + 1n) * (r + 1n) > n).toBe(true);
    }
  });
  it("encodes sqrtPriceX96 and full-range ticks", () => {
    expect(encodeSqrtPriceX96(1n, 1n)).toBe(1n << 96n);
    expect(encodeSqrtPriceX96(4n, 1n)).toBe(2n << 96n);
    expect(fullRangeTicks(3000)).toEqual({ tickLower: -887220, tickUpper: 887220 });
    expect(fullRangeTicks(500)).toEqual({ tickLower: -887270, tickUpper: 887270 });
  });
  it("matches Router02's pair init code hash and patches token decimals", () => {
    expect(v2PairInitCodeHash()).toBe(V2_ROUTER_PAIR_INIT_CODE_HASH);
    expect(erc20WithDecimals(6).bytecode).not.toBe(erc20WithDecimals(18).bytecode);
  });
  it("maps node errors to stable codes", () => {
    expect(toWalletError(Object.assign(new Error("x"), { code: "INSUFFICIENT_FUNDS" })).code).toBe("INSUFFICIENT_FUNDS");
    expect(toWalletError(new Error("replacement transaction underpriced")).code).toBe("REPLACEMENT_UNDERPRICED");
    expect(toWalletError(new Error("Nonce too low. Expected nonce to be 3")).code).toBe("NONCE_CONFLICT");
    expect(toWalletError(new Error("execution reverted: UniswapV2Router: EXPIRED")).data.reason).toBe("UniswapV2Router: EXPIRED");
    expect(toWalletError(new Error("connect ECONNREFUSED 127.0.0.1:8545")).code).toBe("RPC_UNAVAILABLE");
  });
  it("bumps replacement fees and parses decimal amounts exactly", () => {
    const f = bumpedFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 10n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
    expect(f.maxFeePerGas >= 120n && f.maxPriorityFeePerGas >= 12n).toBe(true);
    expect(toBaseUnits("1.5", 6)).toBe(1_500_000n);
    expect(() => toBaseUnits("1.1234567", 6)).toThrow(/decimals/);
  });
});
