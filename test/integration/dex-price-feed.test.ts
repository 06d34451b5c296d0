/**
 * dex-price-feed on the embedded chain: price.dex.updated after V2 (Sync) and V3 (Swap)
 * swaps with the new exact price, the latest price in the cacher, and a resync (with a
 * correct price) after a block gap and after an evm_revert rewind (reorg-like).
 */
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import createDexPriceFeedService, { dexPriceCacheKey } from "../../services/dex-price-feed.service";
import createDexService from "../../services/dex.service";
import createWalletService from "../../services/wallet.service";
import { revertChainAfterEach, wethUsdcPool } from "../support/chain";
import { testEnv } from "../support/env";

jest.setTimeout(30_000);

describe("dex-price-feed service", () => {
  const env = testEnv({ SERVICES: "wallet,dex,dex-price-feed" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  let v2: string;
  let v3: string;
  const updates: any[] = [];

  beforeAll(async () => {
    broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, namespace: env.namespace, cacher: "Memory" });
    broker.createService(createWalletService(env, { pollMs: 10 }));
    broker.createService(createDexService(env));
    broker.createService(createDexPriceFeedService(env, { pollMs: 20, maxBlockGap: 3, fallbackBlocks: 1000 }));
    broker.createService({ name: "listener", events: { "price.dex.updated"(ctx: any) { updates.push(ctx.params); } } });
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
    v2 = wethUsdcPool(chain.deployment, "v2", 3000).address;
    v3 = wethUsdcPool(chain.deployment, "v3", 3000).address;
  });
  afterAll(async () => {
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });
  revertChainAfterEach(() => chain);
  beforeEach(() => {
    updates.length = 0;
  });

  const waitFor = async <T>(get: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 5000): Promise<T> => {
    const end = Date.now() + ms;
    for (;;) {
      const v = await get();
      if (v) return v;
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const status = () => broker.call<any, any>("dex-price-feed.status", {});

  it("has every deployment pool's price in the cacher from the start", async () => {
    const s = await status();
    expect(s.pools).toBe(chain.deployment.pools.length);
    const latest = await broker.call<any, any>("dex-price-feed.latest", { pool: v2 });
    expect(latest).toMatchObject({ dex: "uniswap-v2", base: "WETH", quote: "USDC", price: "3000" });
    expect(typeof latest.block).toBe("number");
    await expect(broker.call("dex-price-feed.latest", { pool: "0x000000000000000000000000000000000000dEaD" })).rejects.toMatchObject({ code: 404 });
  });

  for (const [proto, which, dex] of [["V2 Sync", () => v2, "uniswap-v2"], ["V3 Swap", () => v3, "uniswap-v3"]] as const) {
    it(`emits price.dex.updated after a swap (${proto}) with the new price, latest in the cacher`, async () => {
      const pool = which();
      const before = (await status()).events;
      const r = await broker.call<any, any>("dex.swap", { pool, tokenIn: "USDC", amountIn: "30000", account: "dev-1", approve: true, slippageBps: 500 });
      const u = await waitFor(() => updates.find((x) => x.pool === pool && x.block === r.blockNumber && x.source === "event"));
      const state = await broker.call<any, any>("dex.poolState", { pool });
      expect(u).toMatchObject({ dex, pool, base: "WETH", quote: "USDC", price: state.basePrice, liquidity: state.liquidity });
      expect(Number(u.price)).toBeGreaterThan(3000);
      expect(typeof u.ts).toBe("number");
      if (dex === "uniswap-v3") expect(u.sqrtPriceX96).toBe(state.sqrtPriceX96);
      expect(await broker.cacher!.get(dexPriceCacheKey(pool))).toMatchObject({ price: state.basePrice, block: r.blockNumber });
      expect(await broker.call("dex-price-feed.latest", { pool })).toMatchObject({ price: state.basePrice });
      expect((await status()).events).toBeGreaterThan(before);
    });
  }

  it("resyncs after a gap of blocks with no events", async () => {
    const before = await status();
    await waitFor(async () => (await status()).lastBlock === Number(await chain.chain.request({ method: "eth_blockNumber" })));
    await chain.chain.request({ method: "hardhat_mine", params: ["0xa"] });
    const after = await waitFor(async () => {
      const s = await status();
      return s.gaps > before.gaps && s;
    });
    expect(after.lastResyncReason).toBe("gap");
    expect(after.resyncs).toBeGreaterThan(before.resyncs);
    const state = await broker.call<any, any>("dex.poolState", { pool: v2 });
    expect(await broker.call("dex-price-feed.latest", { pool: v2 })).toMatchObject({ price: state.basePrice });
  });

  it("detects an evm_revert rewind as a reorg and re-reads the pool state", async () => {
    const inner = await chain.snapshot();
    const r = await broker.call<any, any>("dex.swap", { pool: v2, tokenIn: "WETH", amountIn: "20", account: "dev-2", approve: true, slippageBps: 500 });
    const moved = await waitFor(() => updates.find((x) => x.pool === v2 && x.block === r.blockNumber));
    expect(Number(moved.price)).toBeLessThan(3000);
    const before = await status();
    await chain.revert(inner);
    // the same height again on another fork: a different, smaller swap
    await broker.call<any, any>("dex.swap", { pool: v2, tokenIn: "USDC", amountIn: "3000", account: "dev-3", approve: true, slippageBps: 500 });
    const after = await waitFor(async () => {
      const s = await status();
      return s.reorgs > before.reorgs && s;
    });
    expect(after.resyncs).toBeGreaterThan(before.resyncs);
    const state = await broker.call<any, any>("dex.poolState", { pool: v2 });
    expect(Number(state.basePrice)).toBeGreaterThan(3000);
    await waitFor(async () => ((await broker.call<any, any>("dex-price-feed.latest", { pool: v2 })).price === state.basePrice));
  });
});
