/** Wallet failures with stable codes, mapped from ethers / JSON-RPC errors. */
export type WalletErrorCode =
  | "INSUFFICIENT_FUNDS"
  | "NONCE_CONFLICT"
  | "REPLACEMENT_UNDERPRICED"
  | "TX_REVERTED"
  | "RPC_UNAVAILABLE"
  | "FEE_CAP_EXCEEDED"
  | "TX_NOT_FOUND"
  | "TX_NOT_PENDING"
  | "INVALID_AMOUNT"
  | "TIMEOUT";

export class WalletError extends Error {
  constructor(public readonly code: WalletErrorCode, message: string, public readonly data: Record<string, unknown> = {}) {
    super(message);
    this.name = "WalletError";
  }
}

function text(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string; info?: { error?: { message?: string } }; error?: { message?: string } };
  return [e?.info?.error?.message, e?.error?.message, e?.shortMessage, e?.message].filter(Boolean).join(" | ");
}

/** Maps any error from ethers or the node to a WalletError (already-mapped errors pass through). */
export function toWalletError(err: unknown): WalletError {
  if (err instanceof WalletError) return err;
  const code = (err as { code?: string })?.code;
  const msg = text(err);
  if (code === "INSUFFICIENT_FUNDS" || /insufficient funds|doesn't have enough funds|not enough funds/i.test(msg)) {
    return new WalletError("INSUFFICIENT_FUNDS", "Insufficient funds for value plus gas");
  }
  if (code === "REPLACEMENT_UNDERPRICED" || /replacement transaction underpriced|underpriced|replacement.*(gas|fee)/i.test(msg)) {
    return new WalletError("REPLACEMENT_UNDERPRICED", "Replacement fee too low: raise maxFeePerGas and maxPriorityFeePerGas");
  }
  if (code === "NONCE_EXPIRED" || /nonce (is )?too (low|high)|nonce.*(already|used)|invalid nonce/i.test(msg)) {
    return new WalletError("NONCE_CONFLICT", "Nonce conflict: the account's nonce sequence was out of step and has been resynchronised");
  }
  if (code === "CALL_EXCEPTION" || /revert/i.test(msg)) {
    const e = err as { reason?: string | null; revert?: { args?: unknown[] } };
    const m = /reverted with reason string '([^']*)'/.exec(msg) ?? /execution reverted: ([^|]*)/.exec(msg);
    const reason = e?.reason ?? (m ? m[1].trim() : null) ?? "execution reverted";
    return new WalletError("TX_REVERTED", `Transaction reverted: ${reason}`, { reason });
  }
  if (["NETWORK_ERROR", "SERVER_ERROR", "TIMEOUT", "UNKNOWN_ERROR"].includes(code ?? "") || /ECONNREFUSED|ECONNRESET|socket hang up|fetch failed|chain closed/i.test(msg)) {
    return new WalletError("RPC_UNAVAILABLE", `Chain RPC unavailable: ${msg.split(" | ")[0].slice(0, 200)}`);
  }
  return new WalletError("RPC_UNAVAILABLE", msg.slice(0, 300) || "unknown chain error");
}
