/** DEX failures with stable codes; the service turns them into Moleculer errors. */
export type DexErrorCode =
  | "INSUFFICIENT_LIQUIDITY"
  | "SLIPPAGE_EXCEEDED"
  | "DEADLINE_PASSED"
  | "INSUFFICIENT_ALLOWANCE"
  | "INSUFFICIENT_BALANCE"
  | "QUOTE_EXPIRED"
  | "QUOTE_NOT_FOUND"
  | "POOL_NOT_FOUND"
  | "INVALID_PARAMS"
  | "TX_REVERTED";

export const DEX_ERROR_STATUS: Record<DexErrorCode, number> = {
  INSUFFICIENT_LIQUIDITY: 422,
  SLIPPAGE_EXCEEDED: 409,
  DEADLINE_PASSED: 409,
  INSUFFICIENT_ALLOWANCE: 422,
  INSUFFICIENT_BALANCE: 422,
  QUOTE_EXPIRED: 409,
  QUOTE_NOT_FOUND: 404,
  POOL_NOT_FOUND: 404,
  INVALID_PARAMS: 422,
  TX_REVERTED: 422,
};

export class DexError extends Error {
  constructor(public readonly code: DexErrorCode, message: string, public readonly data: Record<string, unknown> = {}) {
    super(message);
    this.name = "DexError";
  }
}

/** Maps a Uniswap revert reason to a DexError code (null: not a known DEX condition). */
export function codeForRevert(reason: string): DexErrorCode | null {
  if (/INSUFFICIENT_OUTPUT_AMOUNT|Too little received|EXCESSIVE_INPUT_AMOUNT|Too much requested/i.test(reason)) return "SLIPPAGE_EXCEEDED";
  if (/UniswapV2Router: EXPIRED|Transaction too old|\bEXPIRED\b/i.test(reason)) return "DEADLINE_PASSED";
  if (/INSUFFICIENT_LIQUIDITY|ds-math-sub-underflow|\bSPL\b|\bLOK\b/i.test(reason)) return "INSUFFICIENT_LIQUIDITY";
  if (/TRANSFER_FROM_FAILED|\bSTF\b|transfer amount exceeds (allowance|balance)|insufficient allowance/i.test(reason)) {
    return /balance/i.test(reason) ? "INSUFFICIENT_BALANCE" : "INSUFFICIENT_ALLOWANCE";
  }
  return null;
}

const MESSAGES: Partial<Record<DexErrorCode, string>> = {
  SLIPPAGE_EXCEEDED: "Slippage exceeded: the pool would pay too little received (or take too much) for the bound",
  DEADLINE_PASSED: "Deadline passed: the swap was mined after its deadline",
  INSUFFICIENT_LIQUIDITY: "Insufficient liquidity in the pool for this amount",
  INSUFFICIENT_ALLOWANCE: "Insufficient allowance for the router",
  INSUFFICIENT_BALANCE: "Insufficient token balance",
};

export function revertError(reason: string, data: Record<string, unknown> = {}): DexError {
  const code = codeForRevert(reason);
  if (!code) return new DexError("TX_REVERTED", `Swap reverted: ${reason}`, { ...data, reason });
  return new DexError(code, `${MESSAGES[code]} (${reason})`, { ...data, reason });
}
