/**
 * Pools the DEX side knows: the deployment's V2 pairs and V3 pools, pools named by config
 * `markets` documents (kind dex, with a pool address) and any other pool address, whose
 * tokens and fee tier are read from the chain. Pool state (V2 reserves, V3 slot0 and
 * liquidity) is read at a block, with exact decimal prices.
 */
import { Contract, Interface, getAddress, type JsonRpcApiProvider } from "ethers";
import { ARTIFACTS, type Deployment, type TokenInfo } from "../chain";
import { DexError } from "./errors";
import { formatAmount, formatRatio, invert, priceFromReserves, priceFromSqrtX96, sqrtFloor, type Ratio } from "./math";

export type Protocol = "uniswap-v2" | "uniswap-v3";

export interface DexPool {
  address: string;
  protocol: Protocol;
  token0: TokenInfo;
  token1: TokenInfo;
  /** Fee in hundredths of a bip (3000 = 0.3 %; always 3000 for V2). */
  fee: number;
  /** The market's base and quote symbols (price events give base in quote). */
  base: string;
  quote: string;
  source: "deployment" | "config" | "chain";
}

export interface PoolStateRaw {
  pool: DexPool;
  block: number;
  reserve0?: bigint;
  reserve1?: bigint;
  sqrtPriceX96?: bigint;
  tick?: number;
  liquidity: bigint;
  /** token0 in token1, human units */
  price: Ratio;
}

export interface PoolStateView {
  pool: string;
  protocol: Protocol;
  token0: string;
  token1: string;
  fee: number;
  feePercent: string;
  block: number;
  reserve0?: string;
  reserve1?: string;
  reserve0BaseUnits?: string;
  reserve1BaseUnits?: string;
  sqrtPriceX96?: string;
  tick?: number;
  liquidity: string;
  /** token0 priced in token1 (18 significant digits) */
  price: string;
  /** token1 priced in token0 */
  inversePrice: string;
  base: string;
  quote: string;
  /** base priced in quote */
  basePrice: string;
}

export const PAIR_IFACE = new Interface(ARTIFACTS.UniswapV2Pair().abi);
export const V3_POOL_IFACE = new Interface(ARTIFACTS.UniswapV3Pool().abi);
const ERC20_META = ["function decimals() view returns (uint8)", "function symbol() view returns (string)", "function name() view returns (string)"];

const STABLES = ["USDC", "USDT", "DAI", "BUSD", "USD"];

/** Base and quote for a pair: the stablecoin (or else WETH) is the quote; otherwise token1. */
export function baseQuote(sym0: string, sym1: string, symbol?: string): { base: string; quote: string } {
  if (symbol) {
    const [b, q] = symbol.split("/");
    if (b && q && [sym0, sym1].includes(b) && [sym0, sym1].includes(q)) return { base: b, quote: q };
  }
  const rank = (s: string) => (STABLES.includes(s.toUpperCase()) ? 2 : /^W?ETH$/i.test(s) ? 1 : 0);
  return rank(sym0) > rank(sym1) ? { base: sym1, quote: sym0 } : { base: sym0, quote: sym1 };
}

export interface ConfigDexMarket {
  venue?: string;
  symbol?: string;
  pool?: string;
  protocol?: Protocol;
  enabled?: boolean;
}

export class PoolRegistry {
  private readonly pools = new Map<string, DexPool>();
  private readonly tokens = new Map<string, TokenInfo>();

  constructor(readonly provider: JsonRpcApiProvider, readonly deployment: Deployment | null) {
    if (deployment) {
      for (const t of Object.values(deployment.tokens)) this.tokens.set(t.address.toLowerCase(), t);
      for (const p of deployment.pools) {
        const t0 = deployment.tokens[p.token0];
        const t1 = deployment.tokens[p.token1];
        this.pools.set(p.address.toLowerCase(), {
          address: getAddress(p.address), protocol: p.kind === "v2" ? "uniswap-v2" : "uniswap-v3", token0: t0, token1: t1, fee: p.fee,
          ...baseQuote(t0.symbol, t1.symbol), source: "deployment",
        });
      }
    }
  }

  list(): DexPool[] {
    return [...this.pools.values()];
  }

  known(address: string): DexPool | undefined {
    return this.pools.get(address.toLowerCase());
  }

  /** Adds the pools of config markets documents of kind dex (their tokens are read from the chain). */
  async addConfigMarkets(markets: ConfigDexMarket[]): Promise<void> {
    for (const m of markets) {
      if (!m.pool || m.enabled === false) continue;
      try {
        const p = await this.get(m.pool);
        if (m.symbol) Object.assign(p, baseQuote(p.token0.symbol, p.token1.symbol, m.symbol));
        if (p.source === "chain") p.source = "config";
      } catch {
        /* a market naming a pool that is not on this chain is left out */
      }
    }
  }

  /** A pool by address; unknown addresses are inspected on chain (V3 if it answers fee()). */
  async get(address: string): Promise<DexPool> {
    const hit = this.pools.get(address.toLowerCase());
    if (hit) return hit;
    const code = await this.provider.getCode(address);
    if (code === "0x") throw new DexError("POOL_NOT_FOUND", `no pool at ${address}`, { pool: address });
    const v3 = new Contract(address, V3_POOL_IFACE, this.provider);
    let fee: number | null = null;
    try {
      fee = Number(await v3.fee());
    } catch {
      fee = null;
    }
    let t0: string;
    let t1: string;
    try {
      [t0, t1] = [String(await v3.token0()), String(await v3.token1())];
    } catch {
      throw new DexError("POOL_NOT_FOUND", `${address} is not a Uniswap pool`, { pool: address });
    }
    const [token0, token1] = [await this.token(t0), await this.token(t1)];
    const pool: DexPool = {
      address: getAddress(address), protocol: fee === null ? "uniswap-v2" : "uniswap-v3", token0, token1, fee: fee ?? 3000,
      ...baseQuote(token0.symbol, token1.symbol), source: "chain",
    };
    this.pools.set(address.toLowerCase(), pool);
    return pool;
  }

  /** A token by deployment symbol or address. */
  async token(ref: string): Promise<TokenInfo> {
    const bySymbol = this.deployment?.tokens[ref.toUpperCase()];
    if (bySymbol) return bySymbol;
    if (!/^0x[0-9a-fA-F]{40}$/.test(ref)) throw new DexError("INVALID_PARAMS", `unknown token ${ref}: use a symbol of the deployment or an address`, { field: "token" });
    const hit = this.tokens.get(ref.toLowerCase());
    if (hit) return hit;
    const c = new Contract(ref, ERC20_META, this.provider);
    try {
      const t: TokenInfo = { address: getAddress(ref), decimals: Number(await c.decimals()), symbol: String(await c.symbol()), name: String(await c.name().catch(() => "")) };
      this.tokens.set(ref.toLowerCase(), t);
      return t;
    } catch {
      throw new DexError("INVALID_PARAMS", `${ref} is not an ERC-20 token`, { field: "token" });
    }
  }

  /** Pools trading tokenIn against tokenOut, optionally of one protocol. */
  matching(tokenIn: TokenInfo, tokenOut: TokenInfo, protocol?: Protocol, fee?: number): DexPool[] {
    const a = tokenIn.address.toLowerCase();
    const b = tokenOut.address.toLowerCase();
    return this.list().filter((p) => {
      const x = p.token0.address.toLowerCase();
      const y = p.token1.address.toLowerCase();
      return ((x === a && y === b) || (x === b && y === a)) && (!protocol || p.protocol === protocol) && (fee === undefined || p.fee === fee);
    });
  }
}

/** The chain head, read raw: ethers' getBlockNumber() answers from a ~250 ms cache. */
export async function headBlockNumber(provider: JsonRpcApiProvider): Promise<number> {
  return Number(await provider.send("eth_blockNumber", []));
}

/** Reads a pool's state at `block` (default latest). */
export async function readPoolState(provider: JsonRpcApiProvider, pool: DexPool, block?: number): Promise<PoolStateRaw> {
  const blockTag = block ?? (await headBlockNumber(provider));
  const { token0: t0, token1: t1 } = pool;
  if (pool.protocol === "uniswap-v2") {
    const pair = new Contract(pool.address, PAIR_IFACE, provider);
    const [r0, r1] = (await pair.getReserves({ blockTag })) as [bigint, bigint, bigint];
    return { pool, block: blockTag, reserve0: r0, reserve1: r1, liquidity: sqrtFloor(r0 * r1), price: priceFromReserves(r0, r1, t0.decimals, t1.decimals) };
  }
  const v3 = new Contract(pool.address, V3_POOL_IFACE, provider);
  const [slot0, liquidity] = await Promise.all([v3.slot0({ blockTag }), v3.liquidity({ blockTag })]);
  const sqrtPriceX96 = BigInt(slot0[0]);
  return { pool, block: blockTag, sqrtPriceX96, tick: Number(slot0[1]), liquidity: BigInt(liquidity), price: priceFromSqrtX96(sqrtPriceX96, t0.decimals, t1.decimals) };
}

/** The base-in-quote price of a state. */
export function basePrice(pool: DexPool, price: Ratio): Ratio {
  return pool.base === pool.token0.symbol ? price : invert(price);
}

export function viewPoolState(s: PoolStateRaw): PoolStateView {
  const p = s.pool;
  const v: PoolStateView = {
    pool: p.address, protocol: p.protocol, token0: p.token0.symbol, token1: p.token1.symbol, fee: p.fee,
    feePercent: formatRatio({ num: BigInt(p.fee), den: 10_000n }), block: s.block,
    liquidity: s.liquidity.toString(), price: formatRatio(s.price),
    inversePrice: s.price.num === 0n ? "0" : formatRatio(invert(s.price)), base: p.base, quote: p.quote, basePrice: formatRatio(basePrice(p, s.price)),
  };
  if (s.reserve0 !== undefined && s.reserve1 !== undefined) {
    Object.assign(v, {
      reserve0: formatAmount(s.reserve0, p.token0.decimals), reserve1: formatAmount(s.reserve1, p.token1.decimals),
      reserve0BaseUnits: s.reserve0.toString(), reserve1BaseUnits: s.reserve1.toString(),
    });
  }
  if (s.sqrtPriceX96 !== undefined) Object.assign(v, { sqrtPriceX96: s.sqrtPriceX96.toString(), tick: s.tick });
  return v;
}
