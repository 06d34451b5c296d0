/**
 * mmesh paper exchange: a simulated venue with ccxt's interface.
 *
 *   const venue = new PaperVenue({ markets: [...], seed: 7, startTime: 0, accounts: { alice: { USDT: '10000' } } });
 *   const exchange = venue.connect('alice');           // ccxt-like, exchange.id === 'paper'
 *   await exchange.createOrder('BTC/USDT', 'limit', 'buy', '0.01', '30000', { clientOrderId: 'q1', postOnly: true });
 *   venue.step(1000);                                  // simulated time moves only when told (or startRealtime())
 */
export { PaperVenue, LIQUIDITY_ACCOUNT, TAKER_ACCOUNT, REPLAY_ACCOUNT } from './venue';
export type { PaperVenueConfig, PaperMarketDefinition, RealtimeOptions } from './venue';
export { PaperExchange } from './paper-exchange';
export type { PaperOrderParams, PaperLookupParams, PaperAccountEvent } from './paper-exchange';
export type { PaperMarketConfig } from './markets';
export type { MarketSimulationConfig } from './background-flow';
export type { DecimalOrderBook, DecimalTicker, DecimalPublicTrade } from './market-data';
export type { DecimalBalance } from './accounts';
export { ManualClock } from './clock';
export type { Clock, SettableClock } from './clock';
export { loadReplayFile, parseReplay, ReplayFormatError } from './replay';
export type { ReplayEvent, ReplayBookEvent, ReplayTradeEvent } from './replay';
export type { TimeInForce } from './orders';
export * as errors from './ccxt-errors';
export { DEFAULT_PAPER_MARKETS, createDefaultPaperVenue } from './defaults';
