/**
 * The arbitrage service on the embedded chain (real Uniswap V2) against the paper exchange.
 * Symbol mapping: the paper market ETH/USDT and the pool WETH/USDC pair up through the default
 * asset aliases (WETH ≈ ETH, USDC ≈ USDT ≈ USD, at par). The paper venue's realtime simulation is
 * stopped after start so its book holds still while a test reads it and trades against it.
 */
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { currentPaperVenue } from "../../lib/cex";
import createArbitrageService from "../../services/arbitrage.service";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createDexService from "../../services/dex.service";
import createFeeService from "../../services/fee.service";
import createWalletService from "../../services/wallet.service";
import { wethUsdcPool } from "../support/chain";
import { testEnv } from "../support/env";

jest.setTimeout(30_000);

type Opp = { id: string; symbol: string; buyVenue: string; sellVenue: string; size: string; netProfit: string; fees: string; gas: string; buyPrice: string; sellPrice: string; ts: number };

describe("arbitrage service: local chain vs paper exchange", () => {
  const env = testEnv({ SERVICES: "config,cex,fee,wallet,dex,arbitrage" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  let v2: string;
  let clean: string;
  const events: Opp[] = [];

  const paperMid = async () => {
    const b = await broker.call<{ bids: string[][]; asks: string[][] }, object>("cex.orderBook", { exchange: "paper", symbol: "ETH/USDT" });
    return (Number(b.bids[0][0]) + Number(b.asks[0][0])) / 2;
  };
  const poolPrice = async () => Number((await broker.call<{ basePrice: string }, object>("dex.poolState", { pool: v2 })).basePrice);
  /** dev-2 trades the pool until WETH is worth `factor` × the paper mid (test set-up only, so plain numbers). */
  const pushPool = async (factor: number) => {
    const s = await broker.call<{ reserve0: string; reserve1: string; token0: string }, object>("dex.poolState", { pool: v2 });
    const [weth, usdc] = s.token0 === "WETH" ? [Number(s.reserve0), Number(s.reserve1)] : [Number(s.reserve1), Number(s.reserve0)];
    const target = (await paperMid()) * factor;
    const k = weth * usdc;
    const usdcAfter = Math.sqrt(k * target);
    if (usdcAfter > usdc) {
      await broker.call("dex.swap", { pool: v2, tokenIn: "USDC", amountIn: ((usdcAfter - usdc) / 0.997).toFixed(6), account: "dev-2", approve: true, slippageBps: 5000 });
    } else {
      const wethAfter = k / usdcAfter;
      await broker.call("dex.swap", { pool: v2, tokenIn: "WETH", amountIn: ((wethAfter - weth) / 0.997).toFixed(18), account: "dev-2", approve: true, slippageBps: 5000 });
    }
  };

  beforeAll(async () => {
    broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, namespace: env.namespace });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0 }));
    broker.createService(createFeeService(env));
    broker.createService(createWalletService(env, { pollMs: 10 }));
    broker.createService(createDexService(env));
    broker.createService(createArbitrageService(env, { minProfit: "0.5", maxNotional: "30000", cooldownMs: 0, scanDebounceMs: 20, dexAccount: "dev-1", slippageBps: 30, maxAdverseBps: 30 }));
    broker.createService({ name: "arb-listener", events: { "arbitrage.opportunity"(ctx: { params: Opp }) { events.push(ctx.params); } } });
    await broker.start();
    currentPaperVenue()!.stopRealtime();
    chain = (await acquireChain(env)) as LocalChain;
    v2 = wethUsdcPool(chain.deployment, "v2").address;
    await broker.call("config.set", { kind: "markets", name: "eth-paper", body: { venue: "paper", kind: "cex", symbol: "ETH/USDT" } });
    await broker.call("config.set", { kind: "markets", name: "eth-uniswap-v2", body: { venue: "uniswap-v2", kind: "dex", symbol: "WETH/USDC", pool: v2, protocol: "uniswap-v2" } });
    // the DEX leg's account approves the router once, so a swap carries no approval gas
    await broker.call("wallet.approve", { account: "dev-1", token: "WETH", spender: chain.deployment.contracts.v2Router02, amount: "1000" });
    await broker.call("wallet.approve", { account: "dev-1", token: "USDC", spender: chain.deployment.contracts.v2Router02, amount: "10000000" });
    clean = await chain.snapshot();
  });

  afterAll(async () => {
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });

  it("pairs the paper ETH/USDT market with the WETH/USDC pool", async () => {
    const pairs = await broker.call<Array<{ canonical: string; a: { name: string }; b: { name: string } }>, object>("arbitrage.markets", {});
    expect(pairs).toEqual([expect.objectContaining({ canonical: "ETH/USD", a: expect.objectContaining({ name: "eth-paper" }), b: expect.objectContaining({ name: "eth-uniswap-v2" }) })]);
  });

  it("no opportunity when the price gap is smaller than the fees", async () => {
    await pushPool(1.002); // 0.2 % < 0.02 % taker + 0.3 % pool fee
    expect(await poolPrice()).toBeGreaterThan(await paperMid());
    const r = await broker.call<{ scanned: number; opportunities: unknown[] }, object>("arbitrage.scan", {});
    expect(r).toEqual({ scanned: 1, opportunities: [] });
    await chain.revert(clean);
    clean = await chain.snapshot();
  });

  it("finds the opportunity from a price event, executes both legs and books the expected profit within fees", async () => {
    await pushPool(1.02);
    events.length = 0;
    await broker.emit("price.dex.updated", { pool: v2 });
    const deadline = Date.now() + 5_000;
    while (events.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(events).toHaveLength(1);
    const opp = events[0];
    expect(opp).toMatchObject({ symbol: "ETH/USDT", buyVenue: "paper", sellVenue: "uniswap-v2" });
    expect(Number(opp.size)).toBeGreaterThan(0);
    expect(Number(opp.netProfit)).toBeGreaterThan(0);
    expect(Number(opp.gas)).toBeGreaterThan(0);
    expect(Number(opp.fees)).toBeGreaterThan(0);
    expect(typeof opp.ts).toBe("number");

    const out = await broker.call<any, object>("arbitrage.execute", { id: opp.id });
    expect(out.status).toBe("completed");
    // the same amount, whatever the decimal string's trailing zeros (a lot-formatted "4.0330" is the DEX leg's "4.033")
    expect(out.first).toMatchObject({ ok: true, side: "sell" });
    expect(out.second).toMatchObject({ ok: true, side: "buy" });
    expect(new Decimal(out.first.amount).eq(opp.size) && new Decimal(out.second.amount).eq(opp.size)).toBe(true);
    const realized = Number(out.realizedProfit);
    const expected = Number(opp.netProfit);
    // The book was still and the pool untouched between quote and swap: only gas (estimated units × gas price vs the receipt) differs.
    expect(Math.abs(realized - expected)).toBeLessThanOrEqual(Number(opp.gas) + 0.01);
    expect(realized).toBeGreaterThan(0);
    // eslint-disable-next-line no-console
    console.log(`arbitrage figures: size ${opp.size} ETH, buy ${opp.buyPrice} sell ${opp.sellPrice}, fees ${opp.fees}, gas ${opp.gas}, expected ${opp.netProfit}, booked ${out.realizedProfit}`);

    const row = await broker.call<any, object>("arbitrage.get", { id: opp.id });
    expect(row).toMatchObject({ status: "completed", realizedProfit: out.realizedProfit, netProfit: opp.netProfit });
    expect(row.outcome.plan.first).toMatchObject({ kind: "dex", side: "sell" });
    const listed = await broker.call<any[], object>("arbitrage.opportunities", { status: "completed" });
    expect(listed.map((r) => r.id)).toContain(opp.id);
    await expect(broker.call("arbitrage.execute", { id: opp.id })).rejects.toMatchObject({ code: 409, type: "OPPORTUNITY_NOT_EXECUTABLE" });
    await chain.revert(clean);
    clean = await chain.snapshot();
  });

  it("aborts when the first (DEX) leg breaks its bound: the CEX leg is not sent and the abort is recorded", async () => {
    await pushPool(1.02);
    const r = await broker.call<{ opportunities: Opp[] }, object>("arbitrage.scan", { execute: false });
    expect(r.opportunities).toHaveLength(1);
    const opp = r.opportunities[0];
    await pushPool(1.0); // someone else closes the gap before we trade
    const before = await broker.call<any[], object>("cex.myTrades", { exchange: "paper", symbol: "ETH/USDT", limit: 1000 });
    const out = await broker.call<any, object>("arbitrage.execute", { id: opp.id });
    expect(out).toMatchObject({ status: "aborted", second: null, realizedProfit: null, exposure: null });
    expect(out.reason).toMatch(/PRICE_MOVED/);
    const after = await broker.call<any[], object>("cex.myTrades", { exchange: "paper", symbol: "ETH/USDT", limit: 1000 });
    expect(after.length).toBe(before.length);
    expect(await broker.call("arbitrage.get", { id: opp.id })).toMatchObject({ status: "aborted", outcome: expect.objectContaining({ reason: expect.stringMatching(/PRICE_MOVED/) }) });
    await chain.revert(clean);
  });

  it("validates params", async () => {
    await expect(broker.call("arbitrage.execute", { id: "nope" })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(broker.call("arbitrage.opportunities", { status: "weird" })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(broker.call("arbitrage.get", { id: "00000000-0000-4000-8000-000000000000" })).rejects.toMatchObject({ code: 404 });
  });
});
