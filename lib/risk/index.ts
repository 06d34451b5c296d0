export * from "./types";
export { checkOrders, riskLimitsFromConfig } from "./check";
