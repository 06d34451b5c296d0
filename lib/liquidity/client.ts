/**
 * Uniswap V2 liquidity (Router02) and V3 positions (NonfungiblePositionManager) for
 * accounts held by the wallet. Minimum amounts come from an eth_call simulation of the
 * exact transaction less `slippageBps` (or explicit mins); approvals are exact.
 */
import { Contract, Interface, ZeroAddress, getAddress, type JsonRpcApiProvider } from "ethers";
import { ARTIFACTS, type Deployment, type TokenInfo } from "../chain";
import { ERC20_ABI, fromBaseUnits, toBaseUnits } from "../wallet";
import { LiquidityError } from "./errors";
import { MAX_UINT128, centeredRange, inRange, minWithSlippage, nearestUsableTick, rebalanceSwap, sqrtPriceToPrice, tickToPrice, ticksForPriceRange, type RangeWidth } from "./math";
import { TxRunner, eventsOf, type TxSender } from "./tx";

export interface TokenAmount {
  token: string;
  amount: string;
  baseUnits: string;
}

const amountOf = (t: TokenInfo, v: bigint): TokenAmount => ({ token: t.symbol, amount: fromBaseUnits(v, t.decimals), baseUnits: v.toString() });

export interface PoolState {
  address: string;
  token0: TokenInfo;
  token1: TokenInfo;
  fee: number;
  tickSpacing: number;
  tick: number;
  sqrtPriceX96: bigint;
  /** token1 per token0, display only. */
  price: string;
}

export interface PositionView {
  tokenId: string;
  owner: string;
  pool: string;
  token0: string;
  token1: string;
  fee: number;
  tickLower: number;
  tickUpper: number;
  priceLower: string;
  priceUpper: string;
  liquidity: string;
  currentTick: number;
  inRange: boolean;
  /** Fees and withdrawn amounts not yet collected (simulated collect). */
  uncollected: { amount0: TokenAmount; amount1: TokenAmount };
}

export interface V2AddParams {
  account: string;
  tokenA: string;
  tokenB: string;
  amountA: string;
  amountB: string;
  slippageBps?: number;
  amountAMin?: string;
  amountBMin?: string;
  deadlineSec?: number;
}

export interface V2RemoveParams {
  account: string;
  tokenA: string;
  tokenB: string;
  /** LP tokens to burn (decimal string, 18 decimals). */
  liquidity: string;
  slippageBps?: number;
  amountAMin?: string;
  amountBMin?: string;
  deadlineSec?: number;
}

export interface V3MintParams extends RangeWidth {
  account: string;
  tokenA: string;
  tokenB: string;
  fee: number;
  /** Amounts of tokenA and tokenB offered (decimal strings). */
  amountA: string;
  amountB: string;
  tickLower?: number;
  tickUpper?: number;
  /** Price range as token B per token A (decimal strings); rounded to usable ticks. */
  priceLower?: string;
  priceUpper?: string;
  slippageBps?: number;
  deadlineSec?: number;
}

export interface ClientOptions {
  defaultSlippageBps?: number;
  deadlineSec?: number;
  confirmations?: number;
}

const DEFAULT_SLIPPAGE_BPS = 50;

export class LiquidityClient {
  readonly tx: TxRunner;
  readonly router: Interface;
  readonly npm: Interface;
  readonly pool: Interface;
  readonly pair: Interface;
  readonly factory: Interface;
  readonly swapRouter: Interface;
  private readonly tokenCache = new Map<string, TokenInfo>();
  private readonly slippage: number;
  private readonly deadlineSec: number;

  constructor(readonly provider: JsonRpcApiProvider, readonly deployment: Deployment, sender: TxSender, opts: ClientOptions = {}) {
    this.tx = new TxRunner(provider, sender, opts.confirmations ?? 1);
    this.router = new Interface(ARTIFACTS.UniswapV2Router02().abi);
    this.npm = new Interface(ARTIFACTS.NonfungiblePositionManager().abi);
    this.pool = new Interface(ARTIFACTS.UniswapV3Pool().abi);
    this.pair = new Interface(ARTIFACTS.UniswapV2Pair().abi);
    this.factory = new Interface(ARTIFACTS.UniswapV3Factory().abi);
    this.swapRouter = new Interface(ARTIFACTS.SwapRouter().abi);
    this.slippage = opts.defaultSlippageBps ?? DEFAULT_SLIPPAGE_BPS;
    this.deadlineSec = opts.deadlineSec ?? 600;
    for (const t of Object.values(deployment.tokens)) this.tokenCache.set(t.address.toLowerCase(), t);
  }

  get sender(): TxSender {
    return this.tx.sender;
  }

  /* ---------- tokens and pools ---------- */

  async token(ref: string): Promise<TokenInfo> {
    const known = this.deployment.tokens[ref.toUpperCase()] ?? this.tokenCache.get(ref.toLowerCase());
    if (known) return known;
    if (!/^0x[0-9a-fA-F]{40}$/.test(ref)) throw new LiquidityError("UNKNOWN_TOKEN", `unknown token ${ref}: use a symbol of the deployment or an address`, { field: "token" });
    const c = new Contract(ref, ERC20_ABI, this.provider);
    try {
      const t = { address: getAddress(ref), decimals: Number(await c.decimals()), symbol: String(await c.symbol()), name: "" };
      this.tokenCache.set(ref.toLowerCase(), t);
      return t;
    } catch {
      throw new LiquidityError("UNKNOWN_TOKEN", `${ref} is not an ERC-20 token`, { field: "token" });
    }
  }

  private async call(to: string, iface: Interface, fn: string, args: unknown[]): Promise<any> {
    const raw = await this.provider.call({ to, data: iface.encodeFunctionData(fn, args) });
    return iface.decodeFunctionResult(fn, raw);
  }

  async v3PoolAddress(a: TokenInfo, b: TokenInfo, fee: number): Promise<string> {
    const [addr] = await this.call(this.deployment.contracts.v3Factory, this.factory, "getPool", [a.address, b.address, fee]);
    if (addr === ZeroAddress) throw new LiquidityError("UNKNOWN_POOL", `no V3 pool ${a.symbol}/${b.symbol} with fee ${fee}`, { field: "fee" });
    return addr as string;
  }

  async poolState(address: string): Promise<PoolState> {
    const [t0] = await this.call(address, this.pool, "token0", []);
    const [t1] = await this.call(address, this.pool, "token1", []);
    const [fee] = await this.call(address, this.pool, "fee", []);
    const [spacing] = await this.call(address, this.pool, "tickSpacing", []);
    const slot0 = await this.call(address, this.pool, "slot0", []);
    const token0 = await this.token(t0 as string);
    const token1 = await this.token(t1 as string);
    const sqrtPriceX96 = slot0.sqrtPriceX96 as bigint;
    return {
      address, token0, token1, fee: Number(fee), tickSpacing: Number(spacing), tick: Number(slot0.tick), sqrtPriceX96,
      price: sqrtPriceToPrice(sqrtPriceX96, token0.decimals, token1.decimals),
    };
  }

  /* ---------- V2 ---------- */

  async v2Add(p: V2AddParams) {
    const owner = this.sender.resolve(p.account);
    const [a, b] = [await this.token(p.tokenA), await this.token(p.tokenB)];
    const amountA = toBaseUnits(p.amountA, a.decimals, "amountA");
    const amountB = toBaseUnits(p.amountB, b.decimals, "amountB");
    await this.requireBalance(a, owner, amountA, "amountA");
    await this.requireBalance(b, owner, amountB, "amountB");
    const router = this.deployment.contracts.v2Router02;
    await this.tx.ensureAllowance(p.account, a.address, router, amountA);
    await this.tx.ensureAllowance(p.account, b.address, router, amountB);
    const deadline = await this.tx.deadline(p.deadlineSec ?? this.deadlineSec);
    const args = (minA: bigint, minB: bigint) => [a.address, b.address, amountA, amountB, minA, minB, owner, deadline];
    let minA: bigint, minB: bigint;
    if (p.amountAMin !== undefined || p.amountBMin !== undefined) {
      minA = p.amountAMin !== undefined ? toBaseUnits(p.amountAMin, a.decimals, "amountAMin") : 0n;
      minB = p.amountBMin !== undefined ? toBaseUnits(p.amountBMin, b.decimals, "amountBMin") : 0n;
      if (minA > amountA) throw new LiquidityError("SLIPPAGE_EXCEEDED", `amountAMin ${p.amountAMin} is above amountA ${p.amountA}`, { field: "amountAMin" });
      if (minB > amountB) throw new LiquidityError("SLIPPAGE_EXCEEDED", `amountBMin ${p.amountBMin} is above amountB ${p.amountB}`, { field: "amountBMin" });
    } else {
      const sim = this.router.decodeFunctionResult("addLiquidity", await this.tx.simulate(owner, router, this.router.encodeFunctionData("addLiquidity", args(0n, 0n)), "V2 addLiquidity"));
      const bps = p.slippageBps ?? this.slippage;
      [minA, minB] = [minWithSlippage(sim[0] as bigint, bps), minWithSlippage(sim[1] as bigint, bps)];
    }
    const mined = await this.tx.execute(p.account, router, this.router.encodeFunctionData("addLiquidity", args(minA, minB)), "V2 addLiquidity");
    const pairAddr = await this.v2Pair(a, b);
    const mint = eventsOf(this.pair, pairAddr, mined.logs, "Mint")[0];
    const lp = eventsOf(this.pair, pairAddr, mined.logs, "Transfer").find((t) => (t.to as string).toLowerCase() === owner.toLowerCase());
    const [t0IsA] = [BigInt(a.address) < BigInt(b.address)];
    const usedA = mint ? (t0IsA ? mint.amount0 : mint.amount1) as bigint : 0n;
    const usedB = mint ? (t0IsA ? mint.amount1 : mint.amount0) as bigint : 0n;
    return {
      txHash: mined.tx.hash, pair: pairAddr, account: owner,
      amountA: amountOf(a, usedA), amountB: amountOf(b, usedB),
      amountAMin: amountOf(a, minA), amountBMin: amountOf(b, minB),
      liquidity: { amount: fromBaseUnits((lp?.value as bigint) ?? 0n, 18), baseUnits: String(lp?.value ?? 0n) },
    };
  }

  async v2Pair(a: TokenInfo, b: TokenInfo): Promise<string> {
    const f = new Interface(ARTIFACTS.UniswapV2Factory().abi);
    const [addr] = await this.call(this.deployment.contracts.v2Factory, f, "getPair", [a.address, b.address]);
    if (addr === ZeroAddress) throw new LiquidityError("UNKNOWN_POOL", `no V2 pair ${a.symbol}/${b.symbol}`, { field: "tokenB" });
    return addr as string;
  }

  async v2Remove(p: V2RemoveParams) {
    const owner = this.sender.resolve(p.account);
    const [a, b] = [await this.token(p.tokenA), await this.token(p.tokenB)];
    const pairAddr = await this.v2Pair(a, b);
    const liquidity = toBaseUnits(p.liquidity, 18, "liquidity");
    if (liquidity === 0n) throw new LiquidityError("INVALID_PARAMS", "liquidity must be positive", { field: "liquidity" });
    const held = await this.tx.balanceOf(pairAddr, owner);
    if (held < liquidity) throw new LiquidityError("INSUFFICIENT_FUNDS", `LP balance ${fromBaseUnits(held, 18)} is below ${p.liquidity}`, { field: "liquidity", balance: fromBaseUnits(held, 18) });
    const router = this.deployment.contracts.v2Router02;
    await this.tx.ensureAllowance(p.account, pairAddr, router, liquidity);
    const deadline = await this.tx.deadline(p.deadlineSec ?? this.deadlineSec);
    const args = (minA: bigint, minB: bigint) => [a.address, b.address, liquidity, minA, minB, owner, deadline];
    let minA: bigint, minB: bigint;
    if (p.amountAMin !== undefined || p.amountBMin !== undefined) {
      minA = p.amountAMin !== undefined ? toBaseUnits(p.amountAMin, a.decimals, "amountAMin") : 0n;
      minB = p.amountBMin !== undefined ? toBaseUnits(p.amountBMin, b.decimals, "amountBMin") : 0n;
    } else {
      const sim = this.router.decodeFunctionResult("removeLiquidity", await this.tx.simulate(owner, router, this.router.encodeFunctionData("removeLiquidity", args(0n, 0n)), "V2 removeLiquidity"));
      const bps = p.slippageBps ?? this.slippage;
      [minA, minB] = [minWithSlippage(sim[0] as bigint, bps), minWithSlippage(sim[1] as bigint, bps)];
    }
    const mined = await this.tx.execute(p.account, router, this.router.encodeFunctionData("removeLiquidity", args(minA, minB)), "V2 removeLiquidity");
    const burn = eventsOf(this.pair, pairAddr, mined.logs, "Burn")[0];
    const t0IsA = BigInt(a.address) < BigInt(b.address);
    const outA = burn ? ((t0IsA ? burn.amount0 : burn.amount1) as bigint) : 0n;
    const outB = burn ? ((t0IsA ? burn.amount1 : burn.amount0) as bigint) : 0n;
    return { txHash: mined.tx.hash, pair: pairAddr, account: owner, amountA: amountOf(a, outA), amountB: amountOf(b, outB), amountAMin: amountOf(a, minA), amountBMin: amountOf(b, minB) };
  }

  private async requireBalance(t: TokenInfo, owner: string, amount: bigint, field: string): Promise<void> {
    const bal = await this.tx.balanceOf(t.address, owner);
    if (bal < amount) throw new LiquidityError("INSUFFICIENT_FUNDS", `${t.symbol} balance ${fromBaseUnits(bal, t.decimals)} is below ${fromBaseUnits(amount, t.decimals)}`, { field, balance: fromBaseUnits(bal, t.decimals) });
  }

  /* ---------- V3 ---------- */

  /** Resolves the range of a mint request to usable ticks of the pool. */
  rangeFor(p: Pick<V3MintParams, "tickLower" | "tickUpper" | "priceLower" | "priceUpper" | "widthPct" | "tickWidth">, pool: PoolState, aIsToken0: boolean): { tickLower: number; tickUpper: number } {
    const s = pool.tickSpacing;
    if (p.tickLower !== undefined || p.tickUpper !== undefined) {
      if (p.tickLower === undefined || p.tickUpper === undefined) throw new LiquidityError("INVALID_RANGE", "tickLower and tickUpper go together", { field: "tickUpper" });
      const [lo, hi] = [nearestUsableTick(p.tickLower, s), nearestUsableTick(p.tickUpper, s)];
      if (lo >= hi) throw new LiquidityError("INVALID_RANGE", `tickLower must be below tickUpper (usable ticks ${lo}, ${hi})`, { field: "tickLower" });
      return { tickLower: lo, tickUpper: hi };
    }
    if (p.priceLower !== undefined || p.priceUpper !== undefined) {
      if (p.priceLower === undefined || p.priceUpper === undefined) throw new LiquidityError("INVALID_RANGE", "priceLower and priceUpper go together", { field: "priceUpper" });
      if (aIsToken0) return ticksForPriceRange(p.priceLower, p.priceUpper, pool.token0.decimals, pool.token1.decimals, s);
      // Prices given as tokenB(=token0) per tokenA(=token1): invert to token1 per token0.
      const inv = (x: string) => (1 / Number(x)).toPrecision(15);
      return ticksForPriceRange(inv(p.priceUpper), inv(p.priceLower), pool.token0.decimals, pool.token1.decimals, s);
    }
    return centeredRange(pool.tick, s, { widthPct: p.widthPct, tickWidth: p.tickWidth });
  }

  async v3Mint(p: V3MintParams) {
    const owner = this.sender.resolve(p.account);
    const [a, b] = [await this.token(p.tokenA), await this.token(p.tokenB)];
    const poolAddr = await this.v3PoolAddress(a, b, p.fee);
    const pool = await this.poolState(poolAddr);
    const aIsToken0 = pool.token0.address.toLowerCase() === a.address.toLowerCase();
    const amountA = toBaseUnits(p.amountA, a.decimals, "amountA");
    const amountB = toBaseUnits(p.amountB, b.decimals, "amountB");
    const [amount0, amount1] = aIsToken0 ? [amountA, amountB] : [amountB, amountA];
    const range = this.rangeFor(p, pool, aIsToken0);
    return this.mintRaw(p.account, owner, pool, range, amount0, amount1, p.slippageBps, p.deadlineSec);
  }

  /** Mints with token0/token1 base-unit amounts into a known range. */
  async mintRaw(account: string, owner: string, pool: PoolState, range: { tickLower: number; tickUpper: number }, amount0: bigint, amount1: bigint, slippageBps?: number, deadlineSec?: number) {
    if (amount0 === 0n && amount1 === 0n) throw new LiquidityError("INVALID_PARAMS", "both amounts are zero", { field: "amountA" });
    await this.requireBalance(pool.token0, owner, amount0, "amount0");
    await this.requireBalance(pool.token1, owner, amount1, "amount1");
    const npm = this.deployment.contracts.positionManager;
    await this.tx.ensureAllowance(account, pool.token0.address, npm, amount0);
    await this.tx.ensureAllowance(account, pool.token1.address, npm, amount1);
    const deadline = await this.tx.deadline(deadlineSec ?? this.deadlineSec);
    const args = (min0: bigint, min1: bigint) => [{
      token0: pool.token0.address, token1: pool.token1.address, fee: pool.fee, tickLower: range.tickLower, tickUpper: range.tickUpper,
      amount0Desired: amount0, amount1Desired: amount1, amount0Min: min0, amount1Min: min1, recipient: owner, deadline,
    }];
    const sim = this.npm.decodeFunctionResult("mint", await this.tx.simulate(owner, npm, this.npm.encodeFunctionData("mint", args(0n, 0n)), "V3 mint"));
    if ((sim.liquidity as bigint) === 0n) throw new LiquidityError("INVALID_PARAMS", "the amounts give zero liquidity in this range (a range around the price needs both tokens)", { field: "amountA" });
    const bps = slippageBps ?? this.slippage;
    const [min0, min1] = [minWithSlippage(sim.amount0 as bigint, bps), minWithSlippage(sim.amount1 as bigint, bps)];
    const mined = await this.tx.execute(account, npm, this.npm.encodeFunctionData("mint", args(min0, min1)), "V3 mint");
    const ev = eventsOf(this.npm, npm, mined.logs, "IncreaseLiquidity")[0];
    if (!ev) throw new LiquidityError("TX_FAILED", "mint mined without an IncreaseLiquidity event", { hash: mined.tx.hash });
    return {
      txHash: mined.tx.hash, tokenId: String(ev.tokenId), owner, pool: pool.address, fee: pool.fee,
      token0: pool.token0.symbol, token1: pool.token1.symbol,
      tickLower: range.tickLower, tickUpper: range.tickUpper,
      priceLower: tickToPrice(range.tickLower, pool.token0.decimals, pool.token1.decimals),
      priceUpper: tickToPrice(range.tickUpper, pool.token0.decimals, pool.token1.decimals),
      currentTick: pool.tick,
      liquidity: String(ev.liquidity),
      amount0: amountOf(pool.token0, ev.amount0 as bigint), amount1: amountOf(pool.token1, ev.amount1 as bigint),
      amount0Min: amountOf(pool.token0, min0), amount1Min: amountOf(pool.token1, min1),
    };
  }

  /** Raw positions(tokenId) of the manager. */
  async rawPosition(tokenId: bigint) {
    const npm = this.deployment.contracts.positionManager;
    try {
      const r = await this.call(npm, this.npm, "positions", [tokenId]);
      return {
        token0: r.token0 as string, token1: r.token1 as string, fee: Number(r.fee), tickLower: Number(r.tickLower), tickUpper: Number(r.tickUpper),
        liquidity: r.liquidity as bigint, tokensOwed0: r.tokensOwed0 as bigint, tokensOwed1: r.tokensOwed1 as bigint,
      };
    } catch {
      throw new LiquidityError("POSITION_NOT_FOUND", `position ${tokenId} not found`, { field: "tokenId" });
    }
  }

  async ownerOf(tokenId: bigint): Promise<string> {
    try {
      const [o] = await this.call(this.deployment.contracts.positionManager, this.npm, "ownerOf", [tokenId]);
      return o as string;
    } catch {
      throw new LiquidityError("POSITION_NOT_FOUND", `position ${tokenId} not found`, { field: "tokenId" });
    }
  }

  async position(tokenId: bigint): Promise<PositionView> {
    const owner = await this.ownerOf(tokenId);
    const raw = await this.rawPosition(tokenId);
    const [t0, t1] = [await this.token(raw.token0), await this.token(raw.token1)];
    const poolAddr = await this.v3PoolAddress(t0, t1, raw.fee);
    const pool = await this.poolState(poolAddr);
    const npm = this.deployment.contracts.positionManager;
    const sim = this.npm.decodeFunctionResult("collect", await this.tx.simulate(owner, npm, this.collectData(tokenId, owner), "V3 collect (simulated)"));
    return {
      tokenId: tokenId.toString(), owner, pool: poolAddr, token0: t0.symbol, token1: t1.symbol, fee: raw.fee,
      tickLower: raw.tickLower, tickUpper: raw.tickUpper,
      priceLower: tickToPrice(raw.tickLower, t0.decimals, t1.decimals), priceUpper: tickToPrice(raw.tickUpper, t0.decimals, t1.decimals),
      liquidity: raw.liquidity.toString(), currentTick: pool.tick, inRange: inRange(pool.tick, raw.tickLower, raw.tickUpper),
      uncollected: { amount0: amountOf(t0, sim.amount0 as bigint), amount1: amountOf(t1, sim.amount1 as bigint) },
    };
  }

  /** Positions (NFTs) owned by an address: balanceOf + tokenOfOwnerByIndex. */
  async positionsOf(owner: string): Promise<PositionView[]> {
    const npm = this.deployment.contracts.positionManager;
    const [n] = await this.call(npm, this.npm, "balanceOf", [owner]);
    const out: PositionView[] = [];
    for (let i = 0n; i < (n as bigint); i++) {
      const [id] = await this.call(npm, this.npm, "tokenOfOwnerByIndex", [owner, i]);
      out.push(await this.position(id as bigint));
    }
    return out;
  }

  private async requireOwner(account: string, tokenId: bigint): Promise<string> {
    const who = this.sender.resolve(account);
    const owner = await this.ownerOf(tokenId);
    if (owner.toLowerCase() !== who.toLowerCase()) throw new LiquidityError("NOT_OWNER", `position ${tokenId} is owned by ${owner}, not ${who}`, { field: "tokenId" });
    return owner;
  }

  private collectData(tokenId: bigint, recipient: string): string {
    return this.npm.encodeFunctionData("collect", [{ tokenId, recipient, amount0Max: MAX_UINT128, amount1Max: MAX_UINT128 }]);
  }

  async v3Increase(p: { account: string; tokenId: string; amount0: string; amount1: string; slippageBps?: number; deadlineSec?: number }) {
    const tokenId = BigInt(p.tokenId);
    const owner = await this.requireOwner(p.account, tokenId);
    const raw = await this.rawPosition(tokenId);
    const [t0, t1] = [await this.token(raw.token0), await this.token(raw.token1)];
    const a0 = toBaseUnits(p.amount0, t0.decimals, "amount0");
    const a1 = toBaseUnits(p.amount1, t1.decimals, "amount1");
    await this.requireBalance(t0, owner, a0, "amount0");
    await this.requireBalance(t1, owner, a1, "amount1");
    const npm = this.deployment.contracts.positionManager;
    await this.tx.ensureAllowance(p.account, t0.address, npm, a0);
    await this.tx.ensureAllowance(p.account, t1.address, npm, a1);
    const deadline = await this.tx.deadline(p.deadlineSec ?? this.deadlineSec);
    const data = (m0: bigint, m1: bigint) => this.npm.encodeFunctionData("increaseLiquidity", [{ tokenId, amount0Desired: a0, amount1Desired: a1, amount0Min: m0, amount1Min: m1, deadline }]);
    const sim = this.npm.decodeFunctionResult("increaseLiquidity", await this.tx.simulate(owner, npm, data(0n, 0n), "V3 increaseLiquidity"));
    const bps = p.slippageBps ?? this.slippage;
    const [m0, m1] = [minWithSlippage(sim.amount0 as bigint, bps), minWithSlippage(sim.amount1 as bigint, bps)];
    const mined = await this.tx.execute(p.account, npm, data(m0, m1), "V3 increaseLiquidity");
    const ev = eventsOf(this.npm, npm, mined.logs, "IncreaseLiquidity")[0];
    return { txHash: mined.tx.hash, tokenId: p.tokenId, liquidityAdded: String(ev?.liquidity ?? 0n), amount0: amountOf(t0, (ev?.amount0 as bigint) ?? 0n), amount1: amountOf(t1, (ev?.amount1 as bigint) ?? 0n) };
  }

  /** Removes liquidity (all of it unless `liquidity` or `percent` says otherwise); the tokens become collectable. */
  async v3Decrease(p: { account: string; tokenId: string; liquidity?: string; percent?: number; slippageBps?: number; deadlineSec?: number }) {
    const tokenId = BigInt(p.tokenId);
    const owner = await this.requireOwner(p.account, tokenId);
    const raw = await this.rawPosition(tokenId);
    const [t0, t1] = [await this.token(raw.token0), await this.token(raw.token1)];
    let liq = raw.liquidity;
    if (p.liquidity !== undefined) liq = BigInt(p.liquidity);
    else if (p.percent !== undefined) liq = (raw.liquidity * BigInt(Math.round(p.percent * 100))) / 10_000n;
    if (liq <= 0n || liq > raw.liquidity) throw new LiquidityError("INVALID_PARAMS", `liquidity to remove must be in (0, ${raw.liquidity}]`, { field: "liquidity" });
    const npm = this.deployment.contracts.positionManager;
    const deadline = await this.tx.deadline(p.deadlineSec ?? this.deadlineSec);
    const data = (m0: bigint, m1: bigint) => this.npm.encodeFunctionData("decreaseLiquidity", [{ tokenId, liquidity: liq, amount0Min: m0, amount1Min: m1, deadline }]);
    const sim = this.npm.decodeFunctionResult("decreaseLiquidity", await this.tx.simulate(owner, npm, data(0n, 0n), "V3 decreaseLiquidity"));
    const bps = p.slippageBps ?? this.slippage;
    const [m0, m1] = [minWithSlippage(sim.amount0 as bigint, bps), minWithSlippage(sim.amount1 as bigint, bps)];
    const mined = await this.tx.execute(p.account, npm, data(m0, m1), "V3 decreaseLiquidity");
    const ev = eventsOf(this.npm, npm, mined.logs, "DecreaseLiquidity")[0];
    return {
      txHash: mined.tx.hash, tokenId: p.tokenId, liquidityRemoved: liq.toString(), liquidityLeft: (raw.liquidity - liq).toString(),
      amount0: amountOf(t0, (ev?.amount0 as bigint) ?? 0n), amount1: amountOf(t1, (ev?.amount1 as bigint) ?? 0n),
    };
  }

  /** Collects everything owed (fees and decreased liquidity) to the owner. */
  async v3Collect(p: { account: string; tokenId: string }) {
    const tokenId = BigInt(p.tokenId);
    const owner = await this.requireOwner(p.account, tokenId);
    const raw = await this.rawPosition(tokenId);
    const [t0, t1] = [await this.token(raw.token0), await this.token(raw.token1)];
    const npm = this.deployment.contracts.positionManager;
    const mined = await this.tx.execute(p.account, npm, this.collectData(tokenId, owner), "V3 collect");
    const ev = eventsOf(this.npm, npm, mined.logs, "Collect")[0];
    return { txHash: mined.tx.hash, tokenId: p.tokenId, amount0: amountOf(t0, (ev?.amount0 as bigint) ?? 0n), amount1: amountOf(t1, (ev?.amount1 as bigint) ?? 0n) };
  }

  /** Close = decrease all + collect + burn, in one multicall transaction. */
  async v3Close(p: { account: string; tokenId: string; slippageBps?: number; deadlineSec?: number }) {
    const tokenId = BigInt(p.tokenId);
    const owner = await this.requireOwner(p.account, tokenId);
    const raw = await this.rawPosition(tokenId);
    const [t0, t1] = [await this.token(raw.token0), await this.token(raw.token1)];
    const npm = this.deployment.contracts.positionManager;
    const calls: string[] = [];
    let removed = { amount0: 0n, amount1: 0n };
    if (raw.liquidity > 0n) {
      const deadline = await this.tx.deadline(p.deadlineSec ?? this.deadlineSec);
      const data = (m0: bigint, m1: bigint) => this.npm.encodeFunctionData("decreaseLiquidity", [{ tokenId, liquidity: raw.liquidity, amount0Min: m0, amount1Min: m1, deadline }]);
      const sim = this.npm.decodeFunctionResult("decreaseLiquidity", await this.tx.simulate(owner, npm, data(0n, 0n), "V3 close (decrease)"));
      const bps = p.slippageBps ?? this.slippage;
      removed = { amount0: sim.amount0 as bigint, amount1: sim.amount1 as bigint };
      calls.push(data(minWithSlippage(removed.amount0, bps), minWithSlippage(removed.amount1, bps)));
    }
    calls.push(this.collectData(tokenId, owner));
    calls.push(this.npm.encodeFunctionData("burn", [tokenId]));
    const mined = await this.tx.execute(p.account, npm, this.npm.encodeFunctionData("multicall", [calls]), "V3 close");
    const dec = eventsOf(this.npm, npm, mined.logs, "DecreaseLiquidity")[0];
    const col = eventsOf(this.npm, npm, mined.logs, "Collect")[0];
    const c0 = (col?.amount0 as bigint) ?? 0n;
    const c1 = (col?.amount1 as bigint) ?? 0n;
    const d0 = (dec?.amount0 as bigint) ?? 0n;
    const d1 = (dec?.amount1 as bigint) ?? 0n;
    return {
      txHash: mined.tx.hash, tokenId: p.tokenId, owner, burned: true, token0: t0.symbol, token1: t1.symbol, fee: raw.fee,
      tickLower: raw.tickLower, tickUpper: raw.tickUpper,
      collected: { amount0: amountOf(t0, c0), amount1: amountOf(t1, c1) },
      fees: { amount0: amountOf(t0, c0 - d0 > 0n ? c0 - d0 : 0n), amount1: amountOf(t1, c1 - d1 > 0n ? c1 - d1 : 0n) },
      raw: { collected0: c0, collected1: c1 },
    };
  }

  /**
   * Re-centring: close the position, swap the collected tokens to equal value at the pool
   * price through SwapRouter (min out from QuoterV2 less slippage), mint around the price.
   */
  async recenter(p: { account: string; tokenId: string; width: RangeWidth; slippageBps?: number; range?: { tickLower: number; tickUpper: number }; onClosed?: (closed: Awaited<ReturnType<LiquidityClient["v3Close"]>>) => void }) {
    const closed = await this.v3Close({ account: p.account, tokenId: p.tokenId, slippageBps: p.slippageBps });
    p.onClosed?.(closed);
    const [t0, t1] = [await this.token(closed.token0), await this.token(closed.token1)];
    const poolAddr = await this.v3PoolAddress(t0, t1, closed.fee);
    let amount0 = closed.raw.collected0;
    let amount1 = closed.raw.collected1;
    let pool = await this.poolState(poolAddr);
    const swap = rebalanceSwap(amount0, amount1, pool.sqrtPriceX96);
    let swapTx: string | null = null;
    if (swap) {
      const out = await this.swapExactIn(p.account, pool, swap.zeroForOne, swap.amountIn, p.slippageBps);
      swapTx = out.txHash;
      if (swap.zeroForOne) [amount0, amount1] = [amount0 - swap.amountIn, amount1 + out.amountOut];
      else [amount0, amount1] = [amount0 + out.amountOut, amount1 - swap.amountIn];
      pool = await this.poolState(poolAddr);
    }
    const range = p.range && inRange(pool.tick, p.range.tickLower, p.range.tickUpper) ? p.range : centeredRange(pool.tick, pool.tickSpacing, p.width);
    const owner = this.sender.resolve(p.account);
    const opened = await this.mintRaw(p.account, owner, pool, range, amount0, amount1, p.slippageBps);
    return { closed, swapTx, opened };
  }

  private async swapExactIn(account: string, pool: PoolState, zeroForOne: boolean, amountIn: bigint, slippageBps?: number): Promise<{ txHash: string; amountOut: bigint }> {
    const [tin, tout] = zeroForOne ? [pool.token0, pool.token1] : [pool.token1, pool.token0];
    const owner = this.sender.resolve(account);
    const quoter = new Interface(ARTIFACTS.QuoterV2().abi);
    const q = quoter.decodeFunctionResult("quoteExactInputSingle", await this.tx.simulate(owner, this.deployment.contracts.quoterV2,
      quoter.encodeFunctionData("quoteExactInputSingle", [{ tokenIn: tin.address, tokenOut: tout.address, amountIn, fee: pool.fee, sqrtPriceLimitX96: 0n }]), "QuoterV2 quote"));
    const minOut = minWithSlippage(q.amountOut as bigint, slippageBps ?? this.slippage);
    const router = this.deployment.contracts.swapRouter;
    await this.tx.ensureAllowance(account, tin.address, router, amountIn);
    const deadline = await this.tx.deadline(this.deadlineSec);
    const data = this.swapRouter.encodeFunctionData("exactInputSingle", [{ tokenIn: tin.address, tokenOut: tout.address, fee: pool.fee, recipient: owner, deadline, amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n }]);
    const mined = await this.tx.execute(account, router, data, "rebalance swap");
    const transfers = eventsOf(erc20TransferIface, tout.address, mined.logs, "Transfer").filter((t) => (t.to as string).toLowerCase() === owner.toLowerCase());
    return { txHash: mined.tx.hash, amountOut: transfers.reduce((s, t) => s + (t.value as bigint), 0n) };
  }
}

const erc20TransferIface = new Interface(ERC20_ABI.concat(["event Transfer(address indexed from, address indexed to, uint256 value)"]));
