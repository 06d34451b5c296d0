/**
 * Domain logic of the `cex-price-feed` service, free of the broker: the per-market watcher
 * loop over an injected book source (websocket, REST polling, paper venue), top-of-book
 * events with coalescing, the configured market list, and the guard for ccxt.pro's
 * closed-socket rejection.
 */
export * from './watcher';
export * from './events';
export * from './liveness';
export * from './markets';
export * from './sources';
export * from './guard';
export * from './clients';
