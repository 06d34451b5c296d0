/**
 * The embedded chain: EDR in-process, Uniswap V2/V3 deployed from the npm artifacts,
 * pools seeded at realistic prices; swaps through Router02 and SwapRouter move balances
 * as the quotes say. Also served over HTTP JSON-RPC on 127.0.0.1.
 */
import { JsonRpcProvider, NonceManager, Wallet, formatUnits, parseUnits } from "ethers";
import { createChainFromEnv, startLocalChain, v2PairInitCodeHash, V2_ROUTER_PAIR_INIT_CODE_HASH, type LocalChain } from "../../lib/chain";
import { erc20, quoterV2, swapRouter, v2Router, v3Pool } from "../support/chain";

describe("embedded chain", () => {
  let local: LocalChain;
  let snap: string;

  beforeAll(async () => {
    local = await startLocalChain({ serve: true });
  });
  afterAll(async () => {
    await local?.close();
  });
  beforeEach(async () => {
    snap = await local.snapshot();
  });
  afterEach(async () => {
    await local.revert(snap);
  });

  it("deploys Uniswap V2/V3 and tokens, with pools at the seeded prices", async () => {
    const d = local.deployment;
    expect(d.chainId).toBe(31337);
    expect(v2PairInitCodeHash()).toBe(V2_ROUTER_PAIR_INIT_CODE_HASH);
    for (const addr of Object.values(d.contracts)) expect((await local.provider.getCode(addr)).length).toBeGreaterThan(2);
    expect(d.tokens.USDC.decimals).toBe(6);
    expect(d.tokens.WBTC.decimals).toBe(8);
    expect(Number(await erc20(d.tokens.USDC.address, local.provider).decimals())).toBe(6);
    expect(Number(await erc20(d.tokens.WBTC.address, local.provider).decimals())).toBe(8);
    expect(d.pools.filter((p) => p.kind === "v2")).toHaveLength(2);
    expect(d.pools.filter((p) => p.kind === "v3").map((p) => p.fee).sort()).toEqual([3000, 3000, 500, 500].sort());
    const ethUsdc = d.pools.find((p) => p.kind === "v2" && [p.token0, p.token1].includes("WETH"))!;
    const price = ethUsdc.token0 === "WETH" ? Number(ethUsdc.price) : 1 / Number(ethUsdc.price);
    expect(price).toBeCloseTo(3000, 6);
    // Funded dev account.
    const dev = d.accounts[1].address;
    expect(formatUnits(await erc20(d.tokens.USDC.address, local.provider).balanceOf(dev), 6)).toBe("1000000.0");
    expect(formatUnits(await erc20(d.tokens.WETH.address, local.provider).balanceOf(dev), 18)).toBe("100.0");
  });

  it("swaps WETH for USDC through UniswapV2Router02", async () => {
    const d = local.deployment;
    const trader = new NonceManager(new Wallet(local.devKeys[1], local.provider));
    const me = await trader.getAddress();
    const weth = erc20(d.tokens.WETH.address, trader);
    const usdc = erc20(d.tokens.USDC.address, trader);
    const router = v2Router(d.contracts.v2Router02, trader);
    const amountIn = parseUnits("1", 18);
    const path = [d.tokens.WETH.address, d.tokens.USDC.address];
    const quoted: bigint[] = await router.getAmountsOut(amountIn, path);
    // ≈ 3000 less 0.3 % fee and price impact of 1 WETH in a 500 WETH pool.
    expect(Number(formatUnits(quoted[1], 6))).toBeGreaterThan(2970);
    expect(Number(formatUnits(quoted[1], 6))).toBeLessThan(3000);
    const [wethBefore, usdcBefore] = [await weth.balanceOf(me), await usdc.balanceOf(me)];
    await (await weth.approve(d.contracts.v2Router02, amountIn)).wait();
    const rc = await (await router.swapExactTokensForTokens(amountIn, quoted[1], path, me, 2n ** 40n)).wait();
    expect(rc.status).toBe(1);
    expect(await weth.balanceOf(me)).toBe(wethBefore - amountIn);
    expect(await usdc.balanceOf(me)).toBe(usdcBefore + quoted[1]);
    expect(await weth.allowance(me, d.contracts.v2Router02)).toBe(0n);
  });

  it("swaps USDC for WBTC through the V3 SwapRouter (fee 500) as QuoterV2 quotes", async () => {
    const d = local.deployment;
    const trader = new NonceManager(new Wallet(local.devKeys[2], local.provider));
    const me = await trader.getAddress();
    const usdc = erc20(d.tokens.USDC.address, trader);
    const wbtc = erc20(d.tokens.WBTC.address, trader);
    const pool = d.pools.find((p) => p.kind === "v3" && p.fee === 500 && [p.token0, p.token1].includes("WBTC"))!;
    expect((await v3Pool(pool.address, local.provider).liquidity()) > 0n).toBe(true);
    const amountIn = parseUnits("60000", 6);
    const params = { tokenIn: d.tokens.USDC.address, tokenOut: d.tokens.WBTC.address, fee: 500, amountIn, sqrtPriceLimitX96: 0 };
    const [quotedOut] = await quoterV2(d.contracts.quoterV2, local.provider).quoteExactInputSingle.staticCall(params);
    // 60,000 USDC buys a bit less than 1 WBTC at 60,000.
    expect(Number(formatUnits(quotedOut, 8))).toBeGreaterThan(0.95);
    expect(Number(formatUnits(quotedOut, 8))).toBeLessThan(1);
    const [usdcBefore, wbtcBefore] = [await usdc.balanceOf(me), await wbtc.balanceOf(me)];
    await (await usdc.approve(d.contracts.swapRouter, amountIn)).wait();
    const rc = await (
      await swapRouter(d.contracts.swapRouter, trader).exactInputSingle({ ...params, recipient: me, deadline: 2n ** 40n, amountOutMinimum: quotedOut })
    ).wait();
    expect(rc.status).toBe(1);
    expect(await usdc.balanceOf(me)).toBe(usdcBefore - amountIn);
    expect(await wbtc.balanceOf(me)).toBe(wbtcBefore + quotedOut);
  });

  it("serves the chain as HTTP JSON-RPC on 127.0.0.1", async () => {
    expect(local.rpcUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const remote = new JsonRpcProvider(local.rpcUrl!, 31337, { staticNetwork: true });
    try {
      expect(Number((await remote.getNetwork()).chainId)).toBe(31337);
      const usdc = erc20(local.deployment.tokens.USDC.address, remote);
      expect(await usdc.symbol()).toBe("USDC");
      // Compare with a raw read: ethers caches provider reads ~250 ms, across evm_revert too.
      expect(await remote.getBlockNumber()).toBe(Number(await local.chain.request({ method: "eth_blockNumber" })));
    } finally {
      remote.destroy();
    }
  });

  it("connects to a served chain through RPC_URL with a passed-in deployment, checking CHAIN_ID", async () => {
    const remote = await createChainFromEnv({ rpcUrl: local.rpcUrl, chainId: 31337, dataDir: "/nonexistent" }, { deployment: local.deployment });
    try {
      expect(remote.kind).toBe("rpc");
      expect(remote.deployment?.contracts.v2Router02).toBe(local.deployment.contracts.v2Router02);
      expect(await remote.provider.getBlockNumber()).toBeGreaterThan(0);
    } finally {
      await remote.close();
    }
    await expect(createChainFromEnv({ rpcUrl: local.rpcUrl, chainId: 1, dataDir: "/nonexistent" })).rejects.toThrow(/CHAIN_ID/);
  });

  it("serves its deployment description on GET /deployment.json, which CHAIN_DEPLOYMENT_URL nodes use (k8s: no shared volume)", async () => {
    const res = await fetch(`${local.rpcUrl}/deployment.json`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(local.deployment)));
    expect((await fetch(`${local.rpcUrl}/other`)).status).toBe(405);
    const remote = await createChainFromEnv({ rpcUrl: local.rpcUrl, chainId: null, dataDir: "/nonexistent", chainDeploymentUrl: `${local.rpcUrl}/deployment.json` });
    try {
      expect(remote.deployment?.contracts.v2Router02).toBe(local.deployment.contracts.v2Router02);
      expect(remote.deployment?.tokens.USDC.address).toBe(local.deployment.tokens.USDC.address);
    } finally {
      await remote.close();
    }
    // A URL that answers no description: the node refuses, naming the setting.
    await expect(createChainFromEnv({ rpcUrl: local.rpcUrl, chainId: null, dataDir: "/nonexistent", chainDeploymentUrl: `${local.rpcUrl}/missing.json` })).rejects.toThrow(/CHAIN_DEPLOYMENT_URL answered HTTP 405/);
  });

  it("reports start and seed times", () => {
    expect(local.timings.startMs).toBeGreaterThan(0);
    expect(local.timings.seedMs).toBeGreaterThan(0);
    // eslint-disable-next-line no-console
    console.log(`chain start ${local.timings.startMs.toFixed(0)} ms, deploy+seed ${local.timings.seedMs.toFixed(0)} ms`);
  });
});
