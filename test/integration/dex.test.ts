/**
 * The dex service on the embedded chain (real Uniswap V2/V3 contracts): quotes match the
 * real swap outcome, swaps move balances, slippage/deadline/quote-expiry/allowance/balance
 * errors, exact pool prices. Swaps are signed by the wallet service (one nonce sequence).
 */
import { Contract, Wallet } from "ethers";
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { formatRatio, priceFromReserves, priceFromSqrtX96 } from "../../lib/dex";
import createDexService from "../../services/dex.service";
import createWalletService from "../../services/wallet.service";
import { testEnv } from "../support/env";
import { erc20, revertChainAfterEach, swapRouter, v2Router, v3Pool, wethUsdcPool } from "../support/chain";

jest.setTimeout(30_000);

describe("dex service", () => {
  const env = testEnv({ SERVICES: "wallet,dex" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  let v2: string;
  let v3: string;
  let dev1: string;

  beforeAll(async () => {
    broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, namespace: env.namespace });
    broker.createService(createWalletService(env, { pollMs: 10 }));
    broker.createService(createDexService(env, { quoteTtlMs: 1_000 }));
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
    const d = chain.deployment;
    v2 = wethUsdcPool(d, "v2", 3000).address;
    v3 = wethUsdcPool(d, "v3", 3000).address;
    dev1 = d.accounts[1].address;
  });
  afterAll(async () => {
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });
  revertChainAfterEach(() => chain);

  const bal = async (sym: string, who = dev1) => (await erc20(chain.deployment.tokens[sym].address, chain.provider).balanceOf(who)) as bigint;

  it("lists the deployment pools and reads exact V2 and V3 pool state", async () => {
    const { pools } = await broker.call<any, any>("dex.pools", {});
    expect(pools).toHaveLength(chain.deployment.pools.length);
    const p2 = pools.find((p: any) => p.address === v2);
    expect(p2).toMatchObject({ protocol: "uniswap-v2", base: "WETH", quote: "USDC", fee: 3000 });

    const s2 = await broker.call<any, any>("dex.poolState", { pool: v2 });
    const [t0, t1] = [chain.deployment.tokens[s2.token0], chain.deployment.tokens[s2.token1]];
    expect(s2.basePrice).toBe("3000");
    expect(formatRatio(priceFromReserves(BigInt(s2.reserve0BaseUnits), BigInt(s2.reserve1BaseUnits), t0.decimals, t1.decimals))).toBe(s2.price);
    expect(s2.reserve0 === "500" || s2.reserve1 === "500").toBe(true);

    const s3 = await broker.call<any, any>("dex.poolState", { pool: v3 });
    const slot0 = await v3Pool(v3, chain.provider).slot0();
    expect(s3.sqrtPriceX96).toBe(slot0[0].toString());
    expect(s3.tick).toBe(Number(slot0[1]));
    expect(s3.fee).toBe(3000);
    expect(s3.liquidity).toBe((await v3Pool(v3, chain.provider).liquidity()).toString());
    expect(s3.price).toBe(formatRatio(priceFromSqrtX96(BigInt(slot0[0]), t0.decimals, t1.decimals)));
    // seeded at 3000 USDC/WETH: sqrtPriceX96 is floored, so the price is 3000 to ~15 digits
    expect(s3.basePrice).toMatch(/^(3000(\.0{9}\d*)?|2999\.9{9}\d*)$/);
    await expect(broker.call("dex.poolState", { pool: "0x000000000000000000000000000000000000dEaD" })).rejects.toMatchObject({ code: 404, type: "POOL_NOT_FOUND" });
  });

  for (const [proto, which] of [["V2", () => v2], ["V3", () => v3]] as const) {
    it(`${proto}: exact-in quote equals the swap outcome, balances move`, async () => {
      const q = await broker.call<any, any>("dex.quote", { pool: which(), tokenIn: "WETH", amountIn: "1.5" });
      expect(q).toMatchObject({ tradeType: "exact-in", amountIn: "1.5", tokenOut: { symbol: "USDC" } });
      expect(q.expiresAt).toBeGreaterThan(Date.now());
      const [w0, u0] = [await bal("WETH"), await bal("USDC")];
      const r = await broker.call<any, any>("dex.swap", { quoteId: q.id, account: "dev-1", slippageBps: 10, approve: true });
      expect(r.status).toBe("confirmed");
      expect(r.amountOutBaseUnits).toBe(q.amountOutBaseUnits);
      expect(r.approval).toMatchObject({ amount: "1.5" });
      expect(BigInt(r.amountOutMinimumBaseUnits)).toBe((BigInt(q.amountOutBaseUnits) * 9990n) / 10000n);
      expect(w0 - (await bal("WETH"))).toBe(1_500_000_000_000_000_000n);
      expect((await bal("USDC")) - u0).toBe(BigInt(q.amountOutBaseUnits));
    });

    it(`${proto}: exact-out quote equals the swap outcome`, async () => {
      const q = await broker.call<any, any>("dex.quote", { pool: which(), tokenIn: "USDC", amountOut: "2" });
      expect(q).toMatchObject({ tradeType: "exact-out", amountOut: "2", tokenIn: { symbol: "USDC" } });
      const [w0, u0] = [await bal("WETH"), await bal("USDC")];
      const r = await broker.call<any, any>("dex.swap", { quoteId: q.id, account: "dev-1", slippageBps: 50, approve: true });
      expect(r.amountInBaseUnits).toBe(q.amountInBaseUnits);
      expect(BigInt(r.amountInMaximumBaseUnits)).toBe((BigInt(q.amountInBaseUnits) * 10050n + 9999n) / 10000n);
      expect((await bal("WETH")) - w0).toBe(2_000_000_000_000_000_000n);
      expect(u0 - (await bal("USDC"))).toBe(BigInt(q.amountInBaseUnits));
    });
  }

  it("routes by tokens to the best pool when no pool is named, and swaps fresh without a quoteId", async () => {
    const q = await broker.call<any, any>("dex.quote", { tokenIn: "USDC", tokenOut: "WETH", amountIn: "1000", protocol: "v3" });
    expect(q.protocol).toBe("uniswap-v3");
    const r = await broker.call<any, any>("dex.swap", { tokenIn: "USDC", tokenOut: "WETH", amountIn: "1000", pool: v2, account: "dev-1", approve: true });
    expect(r).toMatchObject({ status: "confirmed", protocol: "uniswap-v2", amountIn: "1000" });
  });

  it("slippage exceeded: a stale quote with a tight bound after the price moved", async () => {
    for (const pool of [v2, v3]) {
      const q = await broker.call<any, any>("dex.quote", { pool, tokenIn: "WETH", amountIn: "1" });
      // dev-2 sells 50 WETH into the pool first (moves the price down)
      await broker.call("dex.swap", { pool, tokenIn: "WETH", amountIn: "50", account: "dev-2", approve: true, slippageBps: 5000 });
      await expect(broker.call("dex.swap", { quoteId: q.id, account: "dev-1", slippageBps: 30, approve: true })).rejects.toMatchObject({ code: 409, type: "SLIPPAGE_EXCEEDED" });
    }
  });

  it("deadline passed: the next block is past the deadline", async () => {
    for (const pool of [v2, v3]) {
      const q = await broker.call<any, any>("dex.quote", { pool, tokenIn: "USDC", amountIn: "100" });
      await broker.call("wallet.approve", { account: "dev-1", token: "USDC", spender: pool === v2 ? chain.deployment.contracts.v2Router02 : chain.deployment.contracts.swapRouter, amount: "100" });
      const latest = Number(((await chain.chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string }).timestamp);
      await chain.chain.request({ method: "evm_setNextBlockTimestamp", params: [Math.max(latest, Math.floor(Date.now() / 1000)) + 3600] });
      await expect(broker.call("dex.swap", { quoteId: q.id, account: "dev-1", deadlineSeconds: 60 })).rejects.toMatchObject({ code: 409, type: "DEADLINE_PASSED" });
      await chain.mine();
    }
  });

  it("refuses an expired quote with QUOTE_EXPIRED and an unknown one with QUOTE_NOT_FOUND", async () => {
    const q = await broker.call<any, any>("dex.quote", { pool: v2, tokenIn: "WETH", amountIn: "1" });
    await new Promise((r) => setTimeout(r, 1_100));
    await expect(broker.call("dex.swap", { quoteId: q.id, account: "dev-1", approve: true })).rejects.toMatchObject({ code: 409, type: "QUOTE_EXPIRED" });
    await expect(broker.call("dex.swap", { quoteId: "nope", account: "dev-1" })).rejects.toMatchObject({ code: 404, type: "QUOTE_NOT_FOUND" });
  });

  it("insufficient allowance, balance and liquidity are clear errors; bad params are validation errors", async () => {
    await expect(broker.call("dex.swap", { pool: v3, tokenIn: "WETH", amountIn: "1", account: "dev-1" })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_ALLOWANCE" });
    await expect(broker.call("dex.swap", { pool: v2, tokenIn: "WBTC", tokenOut: "USDC", amountIn: "11", account: "dev-1", approve: true })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(broker.call("dex.swap", { pool: v2, tokenIn: "WETH", amountIn: "101", account: "dev-1", approve: true })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_BALANCE" });
    await expect(broker.call("dex.quote", { pool: v2, tokenIn: "USDC", amountOut: "500" })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_LIQUIDITY" });
    await expect(broker.call("dex.quote", { pool: v3, tokenIn: "USDC", amountOut: "600" })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_LIQUIDITY" });
    await expect(broker.call("dex.quote", { pool: v2, tokenIn: "WETH", amountIn: "1", amountOut: "1" })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(broker.call("dex.quote", { pool: v2, tokenIn: "WETH", amountIn: 1 as unknown as string })).rejects.toMatchObject({ name: "ValidationError" });
    // nothing was sent: the account's nonce sequence is intact
    const t = await broker.call<any, any>("wallet.transfer", { account: "dev-1", to: chain.deployment.accounts[2].address, token: "USDC", amount: "1" });
    expect(typeof t.nonce).toBe("number");
  });

  it("keeps one nonce sequence: concurrent swaps and transfers from one account all get consecutive nonces", async () => {
    await broker.call("wallet.approve", { account: "dev-3", token: "USDC", spender: chain.deployment.contracts.v2Router02, amount: "1000" });
    const [a, b, c] = await Promise.all([
      broker.call<any, any>("dex.swap", { pool: v2, tokenIn: "USDC", amountIn: "100", account: "dev-3", slippageBps: 500 }),
      broker.call<any, any>("wallet.transfer", { account: "dev-3", to: dev1, token: "USDC", amount: "1" }),
      broker.call<any, any>("dex.swap", { pool: v2, tokenIn: "USDC", amountIn: "100", account: "dev-3", slippageBps: 500 }),
    ]);
    const nonces = [a.nonce, b.nonce, c.nonce].sort((x, y) => x - y);
    expect(nonces[1]).toBe(nonces[0] + 1);
    expect(nonces[2]).toBe(nonces[0] + 2);
  });
});
