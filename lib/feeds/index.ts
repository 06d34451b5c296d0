/**
 * Domain logic behind the `cex-price-feed` service, free of broker and network: a local L2 book
 * synchronized from snapshot + diffs, top of book, staleness episodes and reconnect backoff.
 * Prices and amounts are decimal strings (18-decimal fixed point underneath).
 */
export { OrderBookSynchronizer } from './order-book-synchronizer';
export type { SyncState, SyncOutcome, OrderBookSynchronizerOptions } from './order-book-synchronizer';
export { fromBinanceDepthEvent } from './depth-messages';
export type { DepthSnapshot, DepthDiff, BinanceDepthEvent } from './depth-messages';
export { L2Book, L2BookSide, BookFormatError, parseLevels } from './l2-book';
export type { Level, LevelInput, L2Levels, ParsedLevel } from './l2-book';
export { topOfBook } from './top-of-book';
export type { TopOfBook } from './top-of-book';
export { StalenessTracker } from './staleness-tracker';
export type { StaleReport, FreshReport, StalenessCheck } from './staleness-tracker';
export { Backoff } from './backoff';
export type { BackoffOptions } from './backoff';
