/**
 * ccxt's dead man's switch, `cancelAllOrdersAfter(timeout)`: the exchange cancels every open
 * order of the account `timeout` ms from the last call unless called again first; 0 disarms.
 * OKX, Bybit, Kraken, ... and the paper venue have it (`has.cancelAllOrdersAfter`); elsewhere
 * the call is refused with 501 NOT_SUPPORTED so the caller stops asking.
 */
import { Errors } from "moleculer";
import type { VenueRegistry } from "./venues";

export interface CancelAllAfterRequest {
  exchange: string;
  /** 0 disarms. */
  timeoutMs: number;
}

export interface CancelAllAfterResult {
  exchange: string;
  timeoutMs: number;
  /** When the exchange will cancel (ms since epoch, by this node's clock); null when disarmed. */
  triggerAt: number | null;
}

export function deadManNotSupported(exchange: string): Errors.MoleculerClientError {
  return new Errors.MoleculerClientError(`${exchange} has no cancelAllOrdersAfter (dead man's switch)`, 501, "NOT_SUPPORTED", { exchange });
}

export async function cancelAllAfter(venues: Pick<VenueRegistry, "call">, req: CancelAllAfterRequest): Promise<CancelAllAfterResult> {
  const { exchange, timeoutMs } = req;
  return venues.call(exchange, async (client) => {
    if (!client.has["cancelAllOrdersAfter"] || typeof client.cancelAllOrdersAfter !== "function") throw deadManNotSupported(exchange);
    const sentAt = Date.now();
    await client.cancelAllOrdersAfter(timeoutMs);
    return { exchange, timeoutMs, triggerAt: timeoutMs > 0 ? sentAt + timeoutMs : null };
  });
}
