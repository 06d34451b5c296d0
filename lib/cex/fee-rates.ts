/**
 * A market's maker/taker rates from a live or paper client, through lib/fees'
 * resolveFeeSchedule: the account's fetchTradingFees() first, then the ccxt market, then
 * the exchange-wide default (ccxt's `fees.trading`). fetchTradingFees answers are kept per
 * client for `ttlMs`: it is a signed call and rates change rarely.
 */
import { resolveFeeSchedule, type FeeRateFields, type FeeSchedule } from "../fees";
import type { ExchangeClient } from "./client";

interface CachedFees {
  at: number;
  fees: Record<string, FeeRateFields | undefined> | null;
}

const fetched = new WeakMap<ExchangeClient, CachedFees>();

export const TRADING_FEES_TTL_MS = 5 * 60_000;

async function accountFees(client: ExchangeClient, ttlMs: number): Promise<Record<string, FeeRateFields | undefined> | null> {
  if (!client.has.fetchTradingFees || !client.fetchTradingFees) return null;
  const hit = fetched.get(client);
  if (hit && Date.now() - hit.at < ttlMs) return hit.fees;
  let fees: Record<string, FeeRateFields | undefined> | null;
  try {
    fees = (await client.fetchTradingFees()) as unknown as Record<string, FeeRateFields | undefined>;
  } catch {
    // Not permitted for this key, or not now: the market's listed rates are still an answer.
    fees = null;
  }
  fetched.set(client, { at: Date.now(), fees });
  return fees;
}

/** Rates of `symbol` on the client's exchange; throws BadSymbol for an unknown market, FeeScheduleUnavailableError without rates. */
export async function tradingFeeSchedule(client: ExchangeClient, exchange: string, symbol: string, ttlMs = TRADING_FEES_TTL_MS): Promise<FeeSchedule> {
  await client.loadMarkets();
  const market = client.market(symbol);
  const tradingFees = await accountFees(client, ttlMs);
  const exchangeDefault = (client as unknown as { fees?: { trading?: FeeRateFields } }).fees?.trading ?? null;
  return resolveFeeSchedule(exchange, symbol, { tradingFees, market: market as never, exchangeDefault });
}
