/** Turns quote/swap parameters into a trade on one pool (the one named, or the best matching one). */
import type { JsonRpcApiProvider } from "ethers";
import type { Deployment, TokenInfo } from "../chain";
import { DexError } from "./errors";
import { parseAmount } from "./math";
import type { DexPool, PoolRegistry, Protocol } from "./pools";
import { quoteOnPool, type Quote, type QuoteRequest } from "./quote";

export interface TradeParams {
  pool?: string;
  protocol?: string;
  fee?: number;
  tokenIn: string;
  tokenOut?: string;
  amountIn?: string;
  amountOut?: string;
}

export function normaliseProtocol(p?: string): Protocol | undefined {
  if (p === undefined) return undefined;
  if (p === "v2" || p === "uniswap-v2") return "uniswap-v2";
  if (p === "v3" || p === "uniswap-v3") return "uniswap-v3";
  throw new DexError("INVALID_PARAMS", `protocol must be v2 or v3, got ${p}`, { field: "protocol" });
}

const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export async function resolveTrades(reg: PoolRegistry, p: TradeParams): Promise<QuoteRequest[]> {
  if ((p.amountIn === undefined) === (p.amountOut === undefined)) throw new DexError("INVALID_PARAMS", "give exactly one of amountIn (exact-in) or amountOut (exact-out)", { field: "amountIn" });
  const tradeType = p.amountIn !== undefined ? "exact-in" : "exact-out";
  const tokenIn = await reg.token(p.tokenIn);
  let pools: DexPool[];
  let tokenOut: TokenInfo;
  if (p.pool) {
    const pool = await reg.get(p.pool);
    const inPool = same(pool.token0.address, tokenIn.address) ? pool.token0 : same(pool.token1.address, tokenIn.address) ? pool.token1 : null;
    if (!inPool) throw new DexError("INVALID_PARAMS", `${tokenIn.symbol} is not a token of pool ${pool.address}`, { field: "tokenIn" });
    tokenOut = inPool === pool.token0 ? pool.token1 : pool.token0;
    if (p.tokenOut && !same((await reg.token(p.tokenOut)).address, tokenOut.address)) throw new DexError("INVALID_PARAMS", `pool ${pool.address} trades ${tokenIn.symbol} only against ${tokenOut.symbol}`, { field: "tokenOut" });
    pools = [pool];
  } else {
    if (!p.tokenOut) throw new DexError("INVALID_PARAMS", "tokenOut is required when no pool is given", { field: "tokenOut" });
    tokenOut = await reg.token(p.tokenOut);
    pools = reg.matching(tokenIn, tokenOut, normaliseProtocol(p.protocol), p.fee);
    if (pools.length === 0) throw new DexError("POOL_NOT_FOUND", `no ${p.protocol ?? ""} pool for ${tokenIn.symbol}/${tokenOut.symbol}`.replace("  ", " "), { tokenIn: p.tokenIn, tokenOut: p.tokenOut });
  }
  const decimals = tradeType === "exact-in" ? tokenIn.decimals : tokenOut.decimals;
  const raw = (tradeType === "exact-in" ? p.amountIn : p.amountOut)!;
  const amount = parseAmount(raw, decimals);
  const field = tradeType === "exact-in" ? "amountIn" : "amountOut";
  if (amount === null) throw new DexError("INVALID_PARAMS", `${field} must be a decimal string with at most ${decimals} decimals`, { field });
  if (amount === 0n) throw new DexError("INVALID_PARAMS", `${field} must be positive`, { field });
  return pools.map((pool) => ({ pool, tokenIn, tokenOut, tradeType, amount }));
}

/** Quotes every candidate and keeps the best (most out for exact-in, least in for exact-out). */
export async function bestQuote(provider: JsonRpcApiProvider, deployment: Deployment, reqs: QuoteRequest[], ttlMs: number): Promise<Quote> {
  let best: Quote | null = null;
  let firstErr: unknown = null;
  for (const r of reqs) {
    try {
      const q = await quoteOnPool(provider, deployment, r, ttlMs);
      const better = !best || (q.tradeType === "exact-in" ? BigInt(q.amountOutBaseUnits) > BigInt(best.amountOutBaseUnits) : BigInt(q.amountInBaseUnits) < BigInt(best.amountInBaseUnits));
      if (better) best = q;
    } catch (err) {
      firstErr ??= err;
    }
  }
  if (!best) throw firstErr;
  return best;
}
