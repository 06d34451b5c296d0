export { runBacktest, validateStrategyParams, BacktestError, STRATEGY_NAMES, MAX_REPORTED_FILLS } from "./run";
export type { BacktestOptions, BacktestReport, BacktestSample, BacktestFill } from "./run";
export { maxDrawdown, sharpeRatio, returnsOf, YEAR_MS } from "./metrics";
export type { Drawdown, Sharpe } from "./metrics";
export { SimulatedTimers } from "./sim-clock";
export { paperBotVenue, botFillOf, venueOrderOf, simulatedClientOrderIds } from "./paper-bot-venue";
export type { PaperBotVenueCounts, BotFill } from "./paper-bot-venue";
export { renderHtmlReport, svgChart, escapeHtml } from "./html-report";
