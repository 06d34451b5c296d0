/**
 * Public-data ccxt clients for the price feed: ccxt.pro where the exchange has a websocket
 * class, plain ccxt (REST) otherwise; no credentials (public books need none).
 */
import { venueConfig } from '../cex/venue-settings';
import type { BookClient } from './sources';

type Ctor = new (config: Record<string, unknown>) => BookClient & { loadHttpProxyAgent?(): Promise<unknown> };
type CcxtModule = Record<string, unknown> & { exchanges: string[]; pro?: Record<string, unknown> & { exchanges?: string[] } };

function loadCcxt(): CcxtModule {
  // loaded only for live venues, as in lib/cex: the paper path never pays for ccxt
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require('ccxt') as CcxtModule & { default?: CcxtModule };
  return mod.exchanges ? mod : (mod.default as CcxtModule);
}

export class UnknownExchangeError extends Error {
  override name = 'UnknownExchangeError';
  constructor(readonly exchange: string) {
    super(`unknown ccxt exchange id "${exchange}"`);
  }
}

/**
 * A client for public books. `overrides` are merged into the ccxt constructor config (ccxt
 * deep-merges `options` and `urls`), e.g. to point an exchange at a test server.
 */
export async function createFeedClient(exchange: string, overrides: Record<string, unknown> = {}): Promise<BookClient> {
  const ccxt = loadCcxt();
  const Pro = ccxt.pro?.[exchange] as Ctor | undefined;
  const Rest = ccxt[exchange] as Ctor | undefined;
  if (typeof Pro !== 'function' && (!ccxt.exchanges.includes(exchange) || typeof Rest !== 'function')) throw new UnknownExchangeError(exchange);
  // mmesh's venue settings (sandbox, marketType) become ccxt config as for the cex service's clients
  const { config: venue } = venueConfig(exchange, (Pro ?? Rest) as never, overrides);
  const config = { enableRateLimit: true, ...venue };
  if (typeof Pro === 'function') {
    const client = new Pro(config);
    // ccxt.pro needs its proxy agents loaded before it can dial ws:// URLs
    await client.loadHttpProxyAgent?.();
    return client;
  }
  return new (Rest as Ctor)(config);
}
