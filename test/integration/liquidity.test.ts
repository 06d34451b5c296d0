/**
 * The liquidity service on the embedded chain, signing through the wallet service's
 * accounts (in-process EvmWallet, and the wallet.sendTx action): V2 add/remove with min amounts, a V3 position's life (mint, fees from swaps,
 * collect, decrease, close), and the range policy re-centring a position the price left.
 */
import { MaxUint256, Wallet, parseUnits } from "ethers";
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import createLiquidityService from "../../services/liquidity.service";
import createWalletService from "../../services/wallet.service";
import { erc20, revertChainAfterEach, swapRouter, v3Pool, wethUsdcPool } from "../support/chain";
import { testEnv } from "../support/env";

// "local": signs through the in-process wallet's EvmWallet, policy driven by price.dex.updated only (timer off);
// "remote": signs through wallet.sendTx, policy driven by the timer fallback only (no price events).
describe.each(["local", "remote"] as const)("liquidity service (signer=%s)", (signer) => {
  const env = testEnv({ SERVICES: "wallet,liquidity" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  const events: Array<{ name: string; payload: any }> = [];

  beforeAll(async () => {
    broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, namespace: env.namespace });
    broker.createService(createWalletService(env, { pollMs: 10 }));
    broker.createService(createLiquidityService(env, { policyIntervalMs: signer === "local" ? 0 : 150, signer }));
    broker.createService({
      name: "listener",
      events: {
        "liquidity.**"(ctx: any) {
          events.push({ name: ctx.eventName, payload: ctx.params });
        },
      },
    });
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
  });
  afterAll(async () => {
    await broker?.stop();
    await releaseChain(env);
    env.cleanup();
  });
  revertChainAfterEach(() => chain);
  beforeEach(() => {
    events.length = 0;
  });

  const waitFor = async (pred: () => boolean, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const bal = async (symbol: string, who: string): Promise<bigint> => erc20(chain.deployment.tokens[symbol].address, chain.provider).balanceOf(who);
  const wethUsdcV3 = () => wethUsdcPool(chain.deployment, "v3", 3000);
  const poolTick = async () => Number((await v3Pool(wethUsdcV3().address, chain.provider).slot0()).tick);

  /** A swap through SwapRouter with ethers from dev-2 (not through the services). */
  async function swap(tokenIn: "WETH" | "USDC", amount: string) {
    const d = chain.deployment;
    // Explicit nonces from a raw read: ethers' cached nonce can be stale after evm_revert.
    const signer = new Wallet(chain.devKeys[2], chain.provider);
    const me = signer.address;
    let nonce = Number(await chain.provider.send("eth_getTransactionCount", [me, "pending"]));
    const tin = d.tokens[tokenIn];
    const tout = d.tokens[tokenIn === "WETH" ? "USDC" : "WETH"];
    await (await erc20(tin.address, signer).approve(d.contracts.swapRouter, MaxUint256, { nonce: nonce++ })).wait();
    const tx = await swapRouter(d.contracts.swapRouter, signer).exactInputSingle({
      tokenIn: tin.address, tokenOut: tout.address, fee: 3000, recipient: me, deadline: 2n ** 40n,
      amountIn: parseUnits(amount, tin.decimals), amountOutMinimum: 0n, sqrtPriceLimitX96: 0n,
    }, { nonce: nonce++ });
    expect((await tx.wait())!.status).toBe(1);
  }

  it("adds V2 liquidity with min amounts and removes it, balances back within rounding", async () => {
    const me = chain.deployment.accounts[1].address;
    const [weth0, usdc0] = [await bal("WETH", me), await bal("USDC", me)];
    const added = await broker.call<any, any>("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3100", slippageBps: 50 });
    expect(added.amountA).toMatchObject({ token: "WETH", amount: "1" });
    expect(Number(added.amountB.amount)).toBeCloseTo(3000, 3); // pool ratio, not the 3100 offered
    expect(BigInt(added.amountBMin.baseUnits)).toBe((BigInt(added.amountB.baseUnits) * 9950n) / 10000n);
    expect(BigInt(added.liquidity.baseUnits)).toBeGreaterThan(0n);
    expect(await bal("WETH", me)).toBe(weth0 - 10n ** 18n);

    const removed = await broker.call<any, any>("liquidity.v2Remove", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", liquidity: added.liquidity.amount });
    expect(BigInt(removed.amountA.baseUnits)).toBeGreaterThanOrEqual(BigInt(removed.amountAMin.baseUnits));
    const [weth1, usdc1] = [await bal("WETH", me), await bal("USDC", me)];
    expect(weth0 - weth1).toBeGreaterThanOrEqual(0n);
    expect(weth0 - weth1).toBeLessThan(10n ** 6n); // rounding dust only (no fee on add/remove)
    expect(usdc0 - usdc1).toBeLessThanOrEqual(1n);
  });

  it("enforces V2 min amounts with a clear SLIPPAGE_EXCEEDED error", async () => {
    await expect(broker.call("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3100", amountBMin: "3050" }))
      .rejects.toMatchObject({ code: 422, type: "SLIPPAGE_EXCEEDED", message: expect.stringMatching(/INSUFFICIENT_B_AMOUNT/) });
    await expect(broker.call("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3000", amountAMin: "2" }))
      .rejects.toMatchObject({ type: "SLIPPAGE_EXCEEDED" });
    const added = await broker.call<any, any>("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3000" });
    await expect(broker.call("liquidity.v2Remove", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", liquidity: added.liquidity.amount, amountAMin: "1.5" }))
      .rejects.toMatchObject({ type: "SLIPPAGE_EXCEEDED", message: expect.stringMatching(/INSUFFICIENT_A_AMOUNT/) });
    await expect(broker.call("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: 1 as unknown as string, amountB: "3000" }))
      .rejects.toMatchObject({ name: "ValidationError" });
    await expect(broker.call("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1000", amountB: "3000" }))
      .rejects.toMatchObject({ type: "INSUFFICIENT_FUNDS" });
  });

  it("mints a V3 position around the price, earns fees from swaps, collects, decreases and closes it", async () => {
    const me = chain.deployment.accounts[1].address;
    const [weth0, usdc0] = [await bal("WETH", me), await bal("USDC", me)];
    const opened = await broker.call<any, any>("liquidity.v3Mint", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", fee: 3000, amountA: "1", amountB: "3000", widthPct: 10 });
    const tick = await poolTick();
    expect(opened.tickLower).toBeLessThanOrEqual(tick);
    expect(opened.tickUpper).toBeGreaterThan(tick);
    expect(Math.abs(opened.tickLower % 60)).toBe(0);
    expect(BigInt(opened.liquidity)).toBeGreaterThan(0n);
    await waitFor(() => events.some((e) => e.name === "liquidity.position.opened" && e.payload.tokenId === opened.tokenId));

    const listed = await broker.call<any, any>("liquidity.positions", { account: "dev-1" });
    expect(listed.positions.map((p: any) => p.tokenId)).toContain(opened.tokenId);
    expect(listed.positions.find((p: any) => p.tokenId === opened.tokenId)).toMatchObject({ inRange: true, fee: 3000 });

    await swap("WETH", "5");
    await swap("USDC", "15000");
    const pos = await broker.call<any, any>("liquidity.position", { tokenId: opened.tokenId });
    expect(BigInt(pos.uncollected.amount0.baseUnits)).toBeGreaterThan(0n);
    expect(BigInt(pos.uncollected.amount1.baseUnits)).toBeGreaterThan(0n);

    const fees = await broker.call<any, any>("liquidity.v3Collect", { account: "dev-1", tokenId: opened.tokenId });
    expect(BigInt(fees.amount0.baseUnits)).toBeGreaterThan(0n);
    expect(BigInt(fees.amount1.baseUnits)).toBeGreaterThan(0n);
    expect(fees.amount0.baseUnits).toBe(pos.uncollected.amount0.baseUnits);

    const dec = await broker.call<any, any>("liquidity.v3Decrease", { account: "dev-1", tokenId: opened.tokenId, percent: 50 });
    expect(BigInt(dec.liquidityLeft)).toBe(BigInt(opened.liquidity) - BigInt(dec.liquidityRemoved));
    await expect(broker.call("liquidity.v3Close", { account: "dev-3", tokenId: opened.tokenId })).rejects.toMatchObject({ code: 403, type: "NOT_OWNER" });

    const closed = await broker.call<any, any>("liquidity.v3Close", { account: "dev-1", tokenId: opened.tokenId });
    expect(closed.burned).toBe(true);
    await expect(broker.call("liquidity.position", { tokenId: opened.tokenId })).rejects.toMatchObject({ code: 404 });
    const after = await broker.call<any, any>("liquidity.positions", { account: "dev-1" });
    expect(after.positions.map((p: any) => p.tokenId)).not.toContain(opened.tokenId);
    await waitFor(() => events.some((e) => e.name === "liquidity.position.closed" && e.payload.tokenId === opened.tokenId));
    // Everything came back (the swaps moved the price, so compare total value at ~3000 USDC/WETH).
    const [weth1, usdc1] = [await bal("WETH", me), await bal("USDC", me)];
    const value = (w: bigint, u: bigint) => Number(w) / 1e18 * 3000 + Number(u) / 1e6;
    expect(Math.abs(value(weth1, usdc1) - value(weth0, usdc0))).toBeLessThan(30);
  });

  it("re-centres a position the price left (policy) and does not churn within minIntervalMs", async () => {
    const pool = wethUsdcV3().address;
    const opened = await broker.call<any, any>("liquidity.v3Mint", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", fee: 3000, amountA: "2", amountB: "6000", widthPct: 2 });
    const policy = await broker.call<any, any>("liquidity.setPolicy", { tokenId: opened.tokenId, widthPct: 2, minIntervalMs: 60_000, outOfRangeGraceMs: 0 });
    expect(policy).toMatchObject({ tokenId: opened.tokenId, enabled: true, pool, state: { kind: "in_range" } });
    await new Promise((r) => setTimeout(r, 400));
    expect(events.filter((e) => e.name === "liquidity.position.recentered")).toHaveLength(0);

    await swap("WETH", "30"); // price down ~11 %: far below the ±1 % range
    const pushed = await poolTick();
    expect(pushed < opened.tickLower).toBe(true);
    if (signer === "local") broker.emit("price.dex.updated", { pool });
    await waitFor(() => events.some((e) => e.name === "liquidity.position.recentered"), 15_000);
    const rc = events.find((e) => e.name === "liquidity.position.recentered")!.payload;
    expect(rc.oldTokenId).toBe(opened.tokenId);
    const tick = await poolTick();
    expect(rc.newRange.tickLower).toBeLessThanOrEqual(tick);
    expect(rc.newRange.tickUpper).toBeGreaterThan(tick);
    await expect(broker.call("liquidity.position", { tokenId: opened.tokenId })).rejects.toMatchObject({ code: 404 });
    const fresh = await broker.call<any, any>("liquidity.position", { tokenId: rc.newTokenId });
    expect(fresh).toMatchObject({ inRange: true, tickLower: rc.newRange.tickLower, tickUpper: rc.newRange.tickUpper });
    expect(BigInt(fresh.liquidity)).toBeGreaterThan(0n);
    expect(events.some((e) => e.name === "liquidity.position.closed" && e.payload.tokenId === opened.tokenId)).toBe(true);
    let policies = await broker.call<any, any>("liquidity.policies", {});
    expect(policies).toHaveLength(1);
    expect(policies[0]).toMatchObject({ tokenId: rc.newTokenId, recenters: 1, state: { kind: "in_range" } });

    // Second push, inside minIntervalMs: the policy sees out of range but holds.
    await swap("USDC", "200000");
    expect(await poolTick()).toBeGreaterThanOrEqual(rc.newRange.tickUpper);
    if (signer === "local") broker.emit("price.dex.updated", { pool });
    await new Promise((r) => setTimeout(r, 1000));
    expect(events.filter((e) => e.name === "liquidity.position.recentered")).toHaveLength(1);
    policies = await broker.call<any, any>("liquidity.policies", {});
    expect(policies[0]).toMatchObject({ tokenId: rc.newTokenId, state: { kind: "out_of_range" }, lastDecision: { action: "hold", reason: "min_interval" } });
    expect((await broker.call<any, any>("liquidity.position", { tokenId: rc.newTokenId })).inRange).toBe(false);
    await broker.call("liquidity.setPolicy", { tokenId: rc.newTokenId, enabled: false });
  });
});
