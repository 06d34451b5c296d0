/** Arbitrage detection, execution planning and abort rules, with hand-computed figures. */
import {
  arbitragePairs, bookOutcome, canonicalSymbol, cexLegPricer, decideSecondLeg, dexLegPricer, findOpportunity, planExecution, v2Quoter,
  type ArbMarket, type LegFill,
} from "../../../lib/arbitrage";
import { formatAmount, v2AmountOut } from "../../../lib/dex/math";

const asks = [["100", "1"], ["101", "1"], ["105", "10"]] as const;
const bids = [["104", "1"], ["103", "1"], ["100", "10"]] as const;

describe("arbitrage detection", () => {
  it("CEX↔CEX: walks both books and picks the size with the best net profit (hand-computed)", async () => {
    // size 0.5: 51.948 − 50.05 = 1.898; 1: 103.896 − 100.1 = 3.796; 1.5: 155.3445 − 150.6505 = 4.694;
    // 2: (207 − 0.207) − (201 + 0.201) = 5.592; 2.5: 256.743 − 253.7535 = 2.9895
    const buy = cexLegPricer({ venue: "a", symbol: "ETH/USDT", side: "buy", levels: asks, takerFee: "0.001" });
    const sell = cexLegPricer({ venue: "b", symbol: "ETH/USDT", side: "sell", levels: bids, takerFee: "0.001" });
    const o = await findOpportunity(buy, sell, { lot: "0.5", maxSize: "5", symbol: "ETH/USDT" });
    expect(o).toMatchObject({
      buyVenue: "a", sellVenue: "b", buyKind: "cex", sellKind: "cex", size: "2.0",
      buyPrice: "100.5", sellPrice: "103.5", buyWorstPrice: "101", sellWorstPrice: "103",
      buyCost: "201.201", sellProceeds: "206.793", grossProfit: "6", fees: "0.408", gas: "0", netProfit: "5.592",
    });
  });

  it("no opportunity when the gap is smaller than the fees, or below minProfit", async () => {
    const buy = cexLegPricer({ venue: "a", symbol: "X/Y", side: "buy", levels: [["100", "5"]], takerFee: "0.001" });
    const sell = cexLegPricer({ venue: "b", symbol: "X/Y", side: "sell", levels: [["100.15", "5"]], takerFee: "0.001" });
    // per unit: 100.15 × 0.999 − 100 × 1.001 = −0.04985 < 0
    expect(await findOpportunity(buy, sell, { lot: "0.1", maxSize: "5", symbol: "X/Y" })).toBeNull();
    const sell2 = cexLegPricer({ venue: "b", symbol: "X/Y", side: "sell", levels: [["101", "5"]], takerFee: "0.001" });
    // per unit 100.899 − 100.1 = 0.799; 5 units = 3.995
    expect((await findOpportunity(buy, sell2, { lot: "0.1", maxSize: "5", symbol: "X/Y" }))?.netProfit).toBe("3.995");
    expect(await findOpportunity(buy, sell2, { lot: "0.1", maxSize: "5", symbol: "X/Y", minProfit: "4" })).toBeNull();
  });

  it("CEX→DEX: follows the V2 curve and pays gas; the chosen size beats its neighbours", async () => {
    const pool = { reserveBase: 100n * 10n ** 18n, reserveQuote: 300_000n * 10n ** 6n, baseDecimals: 18, quoteDecimals: 6 };
    const buy = cexLegPricer({ venue: "paper", symbol: "ETH/USDT", side: "buy", levels: [["2900", "0.5"], ["2950", "1"], ["2990", "5"]], takerFee: "0.001" });
    const sell = dexLegPricer({ venue: "uniswap-v2", pool: "0xpool", side: "sell", feeRate: "0.003", gasQuote: "1", quote: v2Quoter(pool) });
    const o = (await findOpportunity(buy, sell, { lot: "0.01", maxSize: "5", symbol: "ETH/USDT" }))!;
    expect(o).not.toBeNull();
    const profitAt = (size: number) => {
      const out = Number(formatAmount(v2AmountOut(BigInt(Math.round(size * 100)) * 10n ** 16n, pool.reserveBase, pool.reserveQuote), 6));
      let cost = 0;
      let left = size;
      for (const [p, a] of [[2900, 0.5], [2950, 1], [2990, 5]]) {
        const take = Math.min(a, left);
        cost += take * p;
        left -= take;
      }
      return out - 1 - cost * 1.001;
    };
    const size = Number(o.size);
    // hand check of the optimum in plain numbers (test only): both neighbours are worse
    expect(profitAt(size)).toBeGreaterThanOrEqual(profitAt(size - 0.01));
    expect(profitAt(size)).toBeGreaterThanOrEqual(profitAt(size + 0.01));
    expect(Number(o.netProfit)).toBeCloseTo(profitAt(size), 6);
    expect(o.gas).toBe("1");
    // the pool fee is inside the pool's price: gross − fees − gas = net exactly
    expect(Number(o.grossProfit) - Number(o.fees) - Number(o.gas)).toBeCloseTo(Number(o.netProfit), 9);
    expect(o.evaluations).toBeLessThan(60);
  });

  it("pairs CEX and DEX markets through asset aliases", () => {
    expect(canonicalSymbol("WETH/USDC")).toBe("ETH/USD");
    const markets: ArbMarket[] = [
      { name: "eth-paper", kind: "cex", venue: "paper", symbol: "ETH/USDT" },
      { name: "eth-v2", kind: "dex", venue: "uniswap-v2", symbol: "WETH/USDC", pool: "0x" + "1".repeat(40) },
      { name: "btc-paper", kind: "cex", venue: "paper", symbol: "BTC/USDT" },
      { name: "eth-bin", kind: "cex", venue: "binance", symbol: "ETH/USDT", enabled: false },
    ];
    expect(arbitragePairs(markets).map(([a, b]) => `${a.name}~${b.name}`)).toEqual(["eth-paper~eth-v2"]);
  });
});

describe("arbitrage execution rules", () => {
  const opp = async () => {
    const buy = cexLegPricer({ venue: "paper", symbol: "ETH/USDT", side: "buy", levels: [["100", "10"]], takerFee: "0.001" });
    const sell = dexLegPricer({ venue: "uniswap-v2", pool: "0xpool", side: "sell", feeRate: "0.003", gasQuote: "0.5", quote: (_s, a) => ({ quoteAmount: String(Number(a) * 102) }) });
    return (await findOpportunity(buy, sell, { lot: "1", maxSize: "2", symbol: "ETH/USDT" }))!;
  };

  it("puts the DEX leg first and bounds both legs", async () => {
    const o = await opp();
    // 2 × 102 − 0.5 − 2 × 100 × 1.001 = 3.3
    expect(o.netProfit).toBe("3.3");
    const plan = planExecution(o, { slippageBps: 50, maxAdverseBps: 20 });
    expect(plan.first).toMatchObject({ side: "sell", kind: "dex", amount: "2", expectedPrice: "102", limitPrice: "101.49" });
    expect(plan.second).toMatchObject({ side: "buy", kind: "cex", expectedPrice: "100", limitPrice: "100.5" });
  });

  it("aborts the second leg when the first fails or fills worse than the bound; hedges partial fills", async () => {
    const plan = planExecution(await opp(), { slippageBps: 50, maxAdverseBps: 20 });
    const failed: LegFill = { ok: false, side: "sell", amount: "0", notional: "0", fee: "0", gas: "0.4", error: "SLIPPAGE_EXCEEDED" };
    expect(decideSecondLeg(plan, failed)).toMatchObject({ action: "abort", exposure: null });
    // 101.7 < 102 × (1 − 0.002) = 101.796
    const bad: LegFill = { ok: true, side: "sell", amount: "2", notional: "203.4", fee: "0", gas: "0.5" };
    expect(decideSecondLeg(plan, bad)).toMatchObject({ action: "abort", exposure: { side: "sell", amount: "2" } });
    const partial: LegFill = { ok: true, side: "sell", amount: "1.5", notional: "153", fee: "0", gas: "0.5" };
    expect(decideSecondLeg(plan, partial)).toEqual({ action: "send", amount: "1.5" });
    const aborted = bookOutcome(plan, { size: "2", netProfit: "3.3" }, failed, null, { reason: "first failed", exposure: null });
    expect(aborted).toMatchObject({ status: "aborted", second: null, realizedProfit: null });
  });

  it("books the realized profit from the fills, and exposure when the second leg fails", async () => {
    const o = await opp();
    const plan = planExecution(o, { slippageBps: 50, maxAdverseBps: 20 });
    const first: LegFill = { ok: true, side: "sell", amount: "2", notional: "204", fee: "0", gas: "0.45" };
    const second: LegFill = { ok: true, side: "buy", amount: "2", notional: "200.02", fee: "0.20002", gas: "0" };
    // 204 − 200.02 − 0.20002 − 0.45 = 3.32998
    expect(bookOutcome(plan, o, first, second)).toMatchObject({ status: "completed", realizedProfit: "3.32998", expectedProfit: "3.3", exposure: null });
    const lost: LegFill = { ok: false, side: "buy", amount: "0", notional: "0", fee: "0", gas: "0", error: "insufficient balance" };
    expect(bookOutcome(plan, o, first, lost)).toMatchObject({ status: "exposed", realizedProfit: null, exposure: { side: "sell", venue: "uniswap-v2", amount: "2" } });
  });
});
