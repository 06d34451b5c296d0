/**
 * Deploys Uniswap V2 and V3 (core + periphery) and test tokens from the npm artifacts,
 * creates pools with liquidity at realistic prices and funds test accounts. Works on
 * any chain where the deployer holds ETH (the embedded EDR chain, anvil, a devnet).
 */
import { Contract, ContractFactory, NonceManager, Wallet, ZeroAddress, formatUnits, parseUnits, type ContractTransactionResponse, type Provider } from "ethers";
import { ARTIFACTS, V2_ROUTER_PAIR_INIT_CODE_HASH, erc20WithDecimals, v2PairInitCodeHash, type Artifact } from "./artifacts";
import type { Deployment, PoolInfo, TokenInfo } from "./types";
import { encodeSqrtPriceX96, fullRangeTicks } from "./v3-math";

export interface SeedToken {
  symbol: string;
  name: string;
  decimals: number;
}

export interface SeedPool {
  /** Symbols; the pool orders them by address. */
  base: string;
  quote: string;
  /** Decimal amounts of base and quote put in: their ratio is the price. */
  baseAmount: string;
  quoteAmount: string;
}

export interface SeedOptions {
  /** Private key of the deployer (pays for everything, holds the liquidity positions). */
  deployerKey: string;
  /** Test tokens besides WETH (which is WETH9). */
  tokens?: SeedToken[];
  /** One V2 pair and one V3 pool per fee tier for each entry. */
  pools?: SeedPool[];
  v3Fees?: number[];
  /** Addresses that receive test tokens (and ETH if `ethPerAccount` is set). */
  fund?: string[];
  /** Decimal token amounts each funded account receives, by symbol. */
  fundAmounts?: Record<string, string>;
  /** Decimal ETH sent to each funded account (default: none; local dev accounts have ETH at genesis). */
  ethPerAccount?: string;
}

export const DEFAULT_TOKENS: SeedToken[] = [
  { symbol: "USDC", name: "USD Coin (test)", decimals: 6 },
  { symbol: "WBTC", name: "Wrapped BTC (test)", decimals: 8 },
];

/** WETH/USDC ≈ 3000, WBTC/USDC ≈ 60000. The same amounts go into V2 and into each V3 fee tier. */
export const DEFAULT_POOLS: SeedPool[] = [
  { base: "WETH", quote: "USDC", baseAmount: "500", quoteAmount: "1500000" },
  { base: "WBTC", quote: "USDC", baseAmount: "25", quoteAmount: "1500000" },
];

export const DEFAULT_FUND_AMOUNTS: Record<string, string> = { WETH: "100", USDC: "1000000", WBTC: "10" };

const DEADLINE = 2n ** 64n;

async function deploy(signer: NonceManager, art: Artifact, ...args: unknown[]): Promise<Contract> {
  const c = await new ContractFactory(art.abi, art.bytecode, signer).deploy(...args);
  await c.waitForDeployment();
  return c as unknown as Contract;
}

async function mined(p: Promise<ContractTransactionResponse>): Promise<void> {
  const tx = await p;
  const r = await tx.wait();
  if (!r || r.status !== 1) throw new Error(`seed transaction ${tx.hash} failed`);
}

function priceOf(amount0: bigint, d0: number, amount1: bigint, d1: number): string {
  const scaled = (amount1 * 10n ** BigInt(d0) * 10n ** 18n) / (amount0 * 10n ** BigInt(d1));
  return formatUnits(scaled, 18).replace(/\.0$/, "");
}

export async function seedLocalChain(provider: Provider, opts: SeedOptions): Promise<Deployment> {
  const network = await provider.getNetwork();
  const deployer = new NonceManager(new Wallet(opts.deployerKey, provider));
  const deployerAddress = await deployer.getAddress();
  const v3Fees = opts.v3Fees ?? [3000, 500];
  const poolSpecs = opts.pools ?? DEFAULT_POOLS;
  const fund = (opts.fund ?? []).filter((a) => a.toLowerCase() !== deployerAddress.toLowerCase());
  const fundAmounts = opts.fundAmounts ?? DEFAULT_FUND_AMOUNTS;

  if (v2PairInitCodeHash() !== V2_ROUTER_PAIR_INIT_CODE_HASH) {
    throw new Error(`UniswapV2Pair init code hash ${v2PairInitCodeHash()} does not match Router02's ${V2_ROUTER_PAIR_INIT_CODE_HASH}`);
  }
  const startBlock = await provider.getBlockNumber();

  // Tokens.
  const weth = await deploy(deployer, ARTIFACTS.WETH9());
  const tokens: Record<string, TokenInfo> = { WETH: { symbol: "WETH", name: "Wrapped Ether", address: await weth.getAddress(), decimals: 18 } };
  const contracts: Record<string, Contract> = { WETH: weth };
  for (const t of opts.tokens ?? DEFAULT_TOKENS) {
    const c = await deploy(deployer, erc20WithDecimals(t.decimals), t.name, t.symbol);
    const actual = Number(await c.decimals());
    if (actual !== t.decimals) throw new Error(`${t.symbol} reports ${actual} decimals, expected ${t.decimals}`);
    tokens[t.symbol] = { symbol: t.symbol, name: t.name, address: await c.getAddress(), decimals: t.decimals };
    contracts[t.symbol] = c;
  }

  // Uniswap.
  const v2Factory = await deploy(deployer, ARTIFACTS.UniswapV2Factory(), deployerAddress);
  const v2Router = await deploy(deployer, ARTIFACTS.UniswapV2Router02(), await v2Factory.getAddress(), tokens.WETH.address);
  const v3Factory = await deploy(deployer, ARTIFACTS.UniswapV3Factory());
  const swapRouter = await deploy(deployer, ARTIFACTS.SwapRouter(), await v3Factory.getAddress(), tokens.WETH.address);
  const quoter = await deploy(deployer, ARTIFACTS.QuoterV2(), await v3Factory.getAddress(), tokens.WETH.address);
  const npm = await deploy(deployer, ARTIFACTS.NonfungiblePositionManager(), await v3Factory.getAddress(), tokens.WETH.address, ZeroAddress);
  const routerAddr = await v2Router.getAddress();
  const npmAddr = await npm.getAddress();

  // What the deployer needs: liquidity for V2 + every V3 tier, plus what it hands out.
  const units = (symbol: string, amount: string) => {
    const t = tokens[symbol];
    if (!t) throw new Error(`seed pool names unknown token ${symbol}`);
    return parseUnits(amount, t.decimals);
  };
  const needs = new Map<string, bigint>();
  const add = (s: string, v: bigint) => needs.set(s, (needs.get(s) ?? 0n) + v);
  for (const p of poolSpecs) {
    add(p.base, units(p.base, p.baseAmount) * BigInt(1 + v3Fees.length));
    add(p.quote, units(p.quote, p.quoteAmount) * BigInt(1 + v3Fees.length));
  }
  for (const [s, a] of Object.entries(fundAmounts)) if (tokens[s]) add(s, units(s, a) * BigInt(fund.length));
  for (const [symbol, amount] of needs) {
    if (symbol === "WETH") await mined(weth.deposit({ value: amount }));
    else await mined(contracts[symbol].mint(deployerAddress, amount));
  }
  const liquidityNeeds = new Map<string, { v2: bigint; v3: bigint }>();
  for (const p of poolSpecs) {
    for (const [s, a] of [[p.base, p.baseAmount], [p.quote, p.quoteAmount]] as const) {
      const cur = liquidityNeeds.get(s) ?? { v2: 0n, v3: 0n };
      cur.v2 += units(s, a);
      cur.v3 += units(s, a) * BigInt(v3Fees.length);
      liquidityNeeds.set(s, cur);
    }
  }
  for (const [s, n] of liquidityNeeds) {
    await mined(contracts[s].approve(routerAddr, n.v2));
    if (n.v3 > 0n) await mined(contracts[s].approve(npmAddr, n.v3));
  }

  const pools: PoolInfo[] = [];
  for (const p of poolSpecs) {
    const a = tokens[p.base];
    const b = tokens[p.quote];
    const amountA = units(p.base, p.baseAmount);
    const amountB = units(p.quote, p.quoteAmount);
    const [t0, t1, amt0, amt1] = BigInt(a.address) < BigInt(b.address) ? [a, b, amountA, amountB] : [b, a, amountB, amountA];
    const price = priceOf(amt0, t0.decimals, amt1, t1.decimals);

    await mined(v2Router.addLiquidity(a.address, b.address, amountA, amountB, 0, 0, deployerAddress, DEADLINE));
    pools.push({ kind: "v2", address: await v2Factory.getPair(a.address, b.address), token0: t0.symbol, token1: t1.symbol, fee: 3000, price });

    for (const fee of v3Fees) {
      await mined(npm.createAndInitializePoolIfNecessary(t0.address, t1.address, fee, encodeSqrtPriceX96(amt1, amt0)));
      const { tickLower, tickUpper } = fullRangeTicks(fee);
      await mined(
        npm.mint({
          token0: t0.address, token1: t1.address, fee, tickLower, tickUpper,
          amount0Desired: amt0, amount1Desired: amt1, amount0Min: 0, amount1Min: 0,
          recipient: deployerAddress, deadline: DEADLINE,
        }),
      );
      pools.push({ kind: "v3", address: await v3Factory.getPool(t0.address, t1.address, fee), token0: t0.symbol, token1: t1.symbol, fee, price });
    }
  }

  // Test accounts.
  for (const addr of fund) {
    if (opts.ethPerAccount) await (await deployer.sendTransaction({ to: addr, value: parseUnits(opts.ethPerAccount, 18) })).wait();
    for (const [s, a] of Object.entries(fundAmounts)) if (contracts[s]) await mined(contracts[s].transfer(addr, units(s, a)));
  }

  return {
    chainId: Number(network.chainId),
    contracts: {
      weth9: tokens.WETH.address,
      v2Factory: await v2Factory.getAddress(),
      v2Router02: routerAddr,
      v3Factory: await v3Factory.getAddress(),
      swapRouter: await swapRouter.getAddress(),
      quoterV2: await quoter.getAddress(),
      positionManager: npmAddr,
    },
    tokens,
    pools,
    accounts: [deployerAddress, ...fund].map((address, i) => ({ address, label: i === 0 ? "deployer" : `dev-${i}` })),
    v2PairInitCodeHash: V2_ROUTER_PAIR_INIT_CODE_HASH,
    deployedAtBlock: startBlock + 1,
  };
}
