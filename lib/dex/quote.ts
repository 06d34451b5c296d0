/**
 * Quotes on one pool: V2 through Router02 getAmountsOut/getAmountsIn, V3 through QuoterV2
 * quoteExactInputSingle/quoteExactOutputSingle (eth_call). Quotes carry an expiry and are
 * kept in a small TTL store so a swap can execute exactly what was quoted.
 */
import { Contract, Interface, type JsonRpcApiProvider } from "ethers";
import { randomUUID } from "node:crypto";
import { ARTIFACTS, type Deployment, type TokenInfo } from "../chain";
import { DexError, codeForRevert } from "./errors";
import { Q192, formatAmount, priceImpact, type Ratio } from "./math";
import { headBlockNumber, readPoolState, type DexPool, type Protocol } from "./pools";

export type TradeType = "exact-in" | "exact-out";

export interface Quote {
  id: string;
  protocol: Protocol;
  pool: string;
  fee: number;
  tradeType: TradeType;
  tokenIn: { symbol: string; address: string; decimals: number };
  tokenOut: { symbol: string; address: string; decimals: number };
  /** Decimal strings and base units. */
  amountIn: string;
  amountOut: string;
  amountInBaseUnits: string;
  amountOutBaseUnits: string;
  /** 1 − execution / mid price, fees included (decimal fraction). */
  priceImpact?: string;
  blockNumber: number;
  createdAt: number;
  expiresAt: number;
}

export const ROUTER_IFACE = new Interface(ARTIFACTS.UniswapV2Router02().abi);
export const SWAP_ROUTER_IFACE = new Interface(ARTIFACTS.SwapRouter().abi);
export const QUOTER_IFACE = new Interface(ARTIFACTS.QuoterV2().abi);

export interface QuoteRequest {
  pool: DexPool;
  tokenIn: TokenInfo;
  tokenOut: TokenInfo;
  tradeType: TradeType;
  /** amountIn for exact-in, amountOut for exact-out, in base units */
  amount: bigint;
}

function revertText(err: unknown): string {
  const e = err as { reason?: string | null; shortMessage?: string; message?: string; info?: { error?: { message?: string } } };
  return [e?.reason, e?.info?.error?.message, e?.shortMessage, e?.message].filter(Boolean).join(" | ");
}

function liquidityError(req: QuoteRequest, reason: string): DexError {
  return new DexError("INSUFFICIENT_LIQUIDITY", `Insufficient liquidity in ${req.pool.address} for ${formatAmount(req.amount, req.tradeType === "exact-in" ? req.tokenIn.decimals : req.tokenOut.decimals)} ${req.tradeType === "exact-in" ? req.tokenIn.symbol : req.tokenOut.symbol} ${req.tradeType}`, { pool: req.pool.address, reason });
}

/** Quotes one trade on one pool at the latest block. */
export async function quoteOnPool(provider: JsonRpcApiProvider, deployment: Deployment, req: QuoteRequest, ttlMs: number): Promise<Quote> {
  const { pool, tokenIn, tokenOut, tradeType, amount } = req;
  if (amount <= 0n) throw new DexError("INVALID_PARAMS", "amount must be positive", { field: tradeType === "exact-in" ? "amountIn" : "amountOut" });
  const block = await headBlockNumber(provider);
  const state = await readPoolState(provider, pool, block);
  const zeroForOne = tokenIn.address.toLowerCase() === pool.token0.address.toLowerCase();
  let amountIn: bigint;
  let amountOut: bigint;
  try {
    if (pool.protocol === "uniswap-v2") {
      const reserveOut = zeroForOne ? state.reserve1! : state.reserve0!;
      if (tradeType === "exact-out" && amount >= reserveOut) throw liquidityError(req, "amountOut ≥ reserve");
      const router = new Contract(deployment.contracts.v2Router02, ROUTER_IFACE, provider);
      const path = [tokenIn.address, tokenOut.address];
      if (tradeType === "exact-in") {
        const amounts = (await router.getAmountsOut(amount, path, { blockTag: block })) as bigint[];
        [amountIn, amountOut] = [amount, amounts[1]];
      } else {
        const amounts = (await router.getAmountsIn(amount, path, { blockTag: block })) as bigint[];
        [amountIn, amountOut] = [amounts[0], amount];
      }
    } else {
      const quoter = new Contract(deployment.contracts.quoterV2, QUOTER_IFACE, provider);
      if (tradeType === "exact-in") {
        const r = await quoter.quoteExactInputSingle.staticCall({ tokenIn: tokenIn.address, tokenOut: tokenOut.address, amountIn: amount, fee: pool.fee, sqrtPriceLimitX96: 0n }, { blockTag: block });
        [amountIn, amountOut] = [amount, BigInt(r[0])];
      } else {
        const held = (await new Contract(tokenOut.address, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(pool.address, { blockTag: block })) as bigint;
        if (amount >= held) throw liquidityError(req, "amountOut ≥ pool balance");
        const r = await quoter.quoteExactOutputSingle.staticCall({ tokenIn: tokenIn.address, tokenOut: tokenOut.address, amount, fee: pool.fee, sqrtPriceLimitX96: 0n }, { blockTag: block });
        [amountIn, amountOut] = [BigInt(r[0]), amount];
      }
    }
  } catch (err) {
    if (err instanceof DexError) throw err;
    const reason = revertText(err);
    // A quoter/router revert on a valid pool means the pool cannot fill the amount.
    if (codeForRevert(reason) === "INSUFFICIENT_LIQUIDITY" || /revert|CALL_EXCEPTION/i.test(reason) || (err as { code?: string }).code === "CALL_EXCEPTION") throw liquidityError(req, reason.slice(0, 200));
    throw err;
  }
  if (amountOut === 0n) throw liquidityError(req, "amountOut is zero");
  // mid price: tokenOut per tokenIn in base units
  let mid: Ratio;
  if (pool.protocol === "uniswap-v2") mid = zeroForOne ? { num: state.reserve1!, den: state.reserve0! } : { num: state.reserve0!, den: state.reserve1! };
  else {
    const p2 = state.sqrtPriceX96! * state.sqrtPriceX96!;
    mid = zeroForOne ? { num: p2, den: Q192 } : { num: Q192, den: p2 };
  }
  const now = Date.now();
  const ref = (t: TokenInfo) => ({ symbol: t.symbol, address: t.address, decimals: t.decimals });
  return {
    id: randomUUID(), protocol: pool.protocol, pool: pool.address, fee: pool.fee, tradeType, tokenIn: ref(tokenIn), tokenOut: ref(tokenOut),
    amountIn: formatAmount(amountIn, tokenIn.decimals), amountOut: formatAmount(amountOut, tokenOut.decimals),
    amountInBaseUnits: amountIn.toString(), amountOutBaseUnits: amountOut.toString(),
    priceImpact: priceImpact(amountIn, amountOut, mid), blockNumber: block, createdAt: now, expiresAt: now + ttlMs,
  };
}

/** Quotes kept until they expire (and a bit longer, to answer QUOTE_EXPIRED rather than NOT_FOUND). */
export class QuoteStore {
  private readonly quotes = new Map<string, Quote>();

  constructor(private readonly opts: { max?: number; keepExpiredMs?: number; now?: () => number } = {}) {}

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  put(q: Quote): void {
    this.prune();
    this.quotes.set(q.id, q);
    const max = this.opts.max ?? 10_000;
    while (this.quotes.size > max) this.quotes.delete(this.quotes.keys().next().value as string);
  }

  /** The quote if it is still valid; QUOTE_EXPIRED / QUOTE_NOT_FOUND otherwise. */
  take(id: string): Quote {
    const q = this.quotes.get(id);
    if (!q) throw new DexError("QUOTE_NOT_FOUND", `quote ${id} not found (unknown or long expired)`, { quoteId: id });
    if (this.now() >= q.expiresAt) throw new DexError("QUOTE_EXPIRED", `quote ${id} expired at ${new Date(q.expiresAt).toISOString()}: request a new quote`, { quoteId: id, expiresAt: q.expiresAt });
    return q;
  }

  get size(): number {
    return this.quotes.size;
  }

  prune(): void {
    const cutoff = this.now() - (this.opts.keepExpiredMs ?? 10 * 60_000);
    for (const [id, q] of this.quotes) if (q.expiresAt < cutoff) this.quotes.delete(id);
  }
}
