/** Swap transaction data for a quote, with bounds computed once from the quote (bigint). */
import type { Deployment } from "../chain";
import { maximumIn, minimumOut } from "./math";
import { ROUTER_IFACE, SWAP_ROUTER_IFACE, type Quote } from "./quote";

export interface SwapPlan {
  /** Router the tokens are approved to and the transaction is sent to. */
  router: string;
  data: string;
  /** exact-in: the exact input; exact-out: amountInMaximum (what must be approved and held). */
  maxAmountIn: bigint;
  /** exact-in: amountOutMinimum; exact-out: the exact output. */
  minAmountOut: bigint;
  deadline: number;
}

export function planSwap(deployment: Deployment, q: Quote, opts: { recipient: string; slippageBps: number; deadline: number }): SwapPlan {
  const amountIn = BigInt(q.amountInBaseUnits);
  const amountOut = BigInt(q.amountOutBaseUnits);
  const exactIn = q.tradeType === "exact-in";
  const minAmountOut = exactIn ? minimumOut(amountOut, opts.slippageBps) : amountOut;
  const maxAmountIn = exactIn ? amountIn : maximumIn(amountIn, opts.slippageBps);
  const deadline = BigInt(opts.deadline);
  if (q.protocol === "uniswap-v2") {
    const path = [q.tokenIn.address, q.tokenOut.address];
    const data = exactIn
      ? ROUTER_IFACE.encodeFunctionData("swapExactTokensForTokens", [amountIn, minAmountOut, path, opts.recipient, deadline])
      : ROUTER_IFACE.encodeFunctionData("swapTokensForExactTokens", [amountOut, maxAmountIn, path, opts.recipient, deadline]);
    return { router: deployment.contracts.v2Router02, data, maxAmountIn, minAmountOut, deadline: opts.deadline };
  }
  const common = { tokenIn: q.tokenIn.address, tokenOut: q.tokenOut.address, fee: q.fee, recipient: opts.recipient, deadline, sqrtPriceLimitX96: 0n };
  const data = exactIn
    ? SWAP_ROUTER_IFACE.encodeFunctionData("exactInputSingle", [{ ...common, amountIn, amountOutMinimum: minAmountOut }])
    : SWAP_ROUTER_IFACE.encodeFunctionData("exactOutputSingle", [{ ...common, amountOut, amountInMaximum: maxAmountIn }]);
  return { router: deployment.contracts.swapRouter, data, maxAmountIn, minAmountOut, deadline: opts.deadline };
}

const TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef";

/** What actually moved: tokenIn sent by `from`, tokenOut received by `to`, from a receipt's Transfer logs. */
export function settledAmounts(logs: ReadonlyArray<{ address: string; topics: readonly string[]; data: string }>, q: Quote, from: string, to: string): { amountIn: bigint; amountOut: bigint } {
  let amountIn = 0n;
  let amountOut = 0n;
  const addr = (topic: string) => `0x${topic.slice(26)}`.toLowerCase();
  for (const l of logs) {
    if (l.topics[0] !== TRANSFER_TOPIC || l.topics.length < 3) continue;
    const v = BigInt(l.data);
    if (l.address.toLowerCase() === q.tokenIn.address.toLowerCase() && addr(l.topics[1]) === from.toLowerCase()) amountIn += v;
    if (l.address.toLowerCase() === q.tokenOut.address.toLowerCase() && addr(l.topics[2]) === to.toLowerCase()) amountOut += v;
  }
  return { amountIn, amountOut };
}
