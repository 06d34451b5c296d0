/**
 * Fee domain logic behind the `fee` service: which maker/taker rates apply, what a trade or a
 * multi-venue route costs in quote currency, and what taking liquidity from a book costs.
 * All money in and out is decimal strings (18-decimal fixed point underneath, fees rounded up).
 */
export { resolveFeeSchedule, FeeScheduleRegistry, FeeScheduleUnavailableError } from './fee-schedule';
export type { FeeSchedule, FeeScheduleSource, FeeScheduleSources, FeeRateFields, MarketFeeFields, FeeSide } from './fee-schedule';
export { estimateTrade, feeCurrencyOf, tradeFeeUnits } from './trade-fee';
export type { TradeFeeInput, TradeFeeEstimate, TradeFeeUnits, TradeSide } from './trade-fee';
export { estimateRoute } from './route-cost';
export type { RouteLeg, CexRouteLeg, DexRouteLeg, RouteCost, RouteLegCost, CexLegCost, DexLegCost } from './route-cost';
export { walkBook, amountForQuote } from './book-walk';
export type { BookLevelInput, BookWalk, QuoteBudgetWalk } from './book-walk';
export { FeeInputError } from './fee-input';
