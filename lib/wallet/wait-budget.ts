/**
 * How long a chain write may wait for its transaction inside the caller's time. A send is
 * never repeated blindly (its nonce would make it a second transaction), so instead of
 * outliving the caller's timeout it answers in time with the hash and a "pending" status,
 * and the caller reconciles with `wallet.txStatus`.
 */
import type { TxRecord } from "./wallet";

/** The parts of a Moleculer context that carry the caller's deadline. */
export interface DeadlineCarrier {
  options?: { timeout?: number | null };
  startHrTime?: [number, number] | null;
}

/** ms left before the caller gives up, less a margin for the answer's way back; null: no deadline. */
export function remainingMs(ctx: DeadlineCarrier): number | null {
  const timeout = ctx.options?.timeout ?? 0;
  if (!(timeout > 0)) return null;
  const elapsed = ctx.startHrTime ? (() => { const [s, ns] = process.hrtime(ctx.startHrTime); return s * 1000 + ns / 1e6; })() : 0;
  const margin = Math.max(50, Math.min(1000, timeout * 0.2));
  return Math.max(0, Math.floor(timeout - elapsed - margin));
}

/** The wait for a transaction: what was asked (or `fallbackMs`), within the caller's deadline. */
export function waitBudgetMs(ctx: DeadlineCarrier, requestedMs: number | undefined, fallbackMs: number): number {
  const left = remainingMs(ctx);
  const wanted = requestedMs ?? fallbackMs;
  return left === null ? wanted : Math.min(wanted, left);
}

/** What a chain write answers when its transaction is not mined (or its broadcast not answered) in time. */
export interface PendingAnswer {
  status: "pending" | "unknown";
  step: string;
  hash: string;
  account: string;
  nonce: number;
  message: string;
  reconcile: { action: "wallet.txStatus"; params: { hash: string }; route: string };
}

export function pendingAnswer(rec: Pick<TxRecord, "hash" | "from" | "nonce" | "status">, step: string): PendingAnswer {
  const status = rec.status === "unknown" ? "unknown" : "pending";
  return {
    status, step, hash: rec.hash, account: rec.from, nonce: rec.nonce,
    message: status === "pending"
      ? `${step}: transaction ${rec.hash} (nonce ${rec.nonce}) is sent but not mined yet; it is not sent again: follow it with wallet.txStatus`
      : `${step}: transaction ${rec.hash} (nonce ${rec.nonce}) was broadcast without an answer from the node; reconcile with wallet.txStatus before sending again`,
    reconcile: { action: "wallet.txStatus", params: { hash: rec.hash }, route: `GET /api/v1/wallet/tx/${rec.hash}/status` },
  };
}
