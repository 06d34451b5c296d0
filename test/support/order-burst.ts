/**
 * A bounded burst of paper orders from several concurrent clients, recording which were
 * acknowledged; `interrupt` runs once (e.g. kill -9 of the node) when `interruptAfterAcked`
 * orders have been, and the burst stops once it returned and the calls in flight settled.
 * Used by the kill -9 drill (bench/faults/order-burst-kill.ts) and its integration test.
 */
export interface OrderBurstOptions {
  /** Places one order; resolves when it is acknowledged. */
  place(order: { clientOrderId: string; side: "buy"; type: "limit"; amount: string; price: string }): Promise<unknown>;
  /** Unique prefix of the clientOrderIds (1-36 characters in all, with `-<n>` appended). */
  prefix: string;
  /** A resting bid's price (never crosses) and amount. */
  price: string;
  amount: string;
  /** Concurrent callers. */
  concurrency: number;
  maxOrders: number;
  maxMs: number;
  interruptAfterAcked?: number;
  interrupt?(): Promise<void>;
  /** Stops the burst too when it returns true (checked before each order). */
  until?(): boolean;
}

export interface OrderBurstResult {
  /** clientOrderIds whose placement was acknowledged, in order of acknowledgement. */
  acked: string[];
  /** Placements answered 503 (back pressure or stopping), by clientOrderId. */
  refused: string[];
  /** Placements that failed otherwise (the node died under them, timeouts). */
  failed: number;
  /** When `interrupt` started (ms since epoch), if it ran. */
  interruptedAt: number | null;
  /** Acknowledged after `interrupt` started (e.g. while a node was stopping). */
  ackedAfterInterrupt: number;
  durationMs: number;
}

export async function orderBurst(opts: OrderBurstOptions): Promise<OrderBurstResult> {
  const started = Date.now();
  const result: OrderBurstResult = { acked: [], refused: [], failed: 0, interruptedAt: null, ackedAfterInterrupt: 0, durationMs: 0 };
  let next = 0;
  let stop = false;
  let interrupting: Promise<void> | null = null;
  const maybeInterrupt = () => {
    if (interrupting || !opts.interrupt || result.acked.length < (opts.interruptAfterAcked ?? 0)) return;
    result.interruptedAt = Date.now();
    interrupting = opts.interrupt().finally(() => {
      stop = true;
    });
  };
  const worker = async () => {
    while (!stop && !opts.until?.() && next < opts.maxOrders && Date.now() - started < opts.maxMs) {
      const clientOrderId = `${opts.prefix}-${next++}`;
      try {
        await opts.place({ clientOrderId, side: "buy", type: "limit", amount: opts.amount, price: opts.price });
        result.acked.push(clientOrderId);
        if (result.interruptedAt !== null) result.ackedAfterInterrupt++;
        maybeInterrupt();
      } catch (err) {
        if ((err as { code?: unknown }).code === 503) result.refused.push(clientOrderId);
        else result.failed++;
        if (result.interruptedAt !== null) await new Promise((r) => setTimeout(r, 50)); // the node is going: do not spin
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  await interrupting;
  result.durationMs = Date.now() - started;
  return result;
}
