/** Liquidity failures with stable codes; the service maps them to Moleculer errors. */
export type LiquidityErrorCode =
  | "INVALID_PARAMS"
  | "UNKNOWN_TOKEN"
  | "UNKNOWN_POOL"
  | "INVALID_RANGE"
  | "POSITION_NOT_FOUND"
  | "NOT_OWNER"
  | "INSUFFICIENT_FUNDS"
  | "SLIPPAGE_EXCEEDED"
  | "TX_FAILED"
  /** Sent but not mined within the caller's time (data: hash, nonce, from, status, step); never sent again. */
  | "TX_PENDING"
  | "NO_DEPLOYMENT";

export class LiquidityError extends Error {
  constructor(public readonly code: LiquidityErrorCode, message: string, public readonly data: Record<string, unknown> = {}) {
    super(message);
    this.name = "LiquidityError";
  }
}

/** Revert reasons of Router02 / NonfungiblePositionManager that mean "a min amount was not met". */
export const SLIPPAGE_REASONS = /INSUFFICIENT_[AB]_AMOUNT|Price slippage check|Too little received/;
