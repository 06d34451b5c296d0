/**
 * Arbitrage domain logic (no broker): which markets pair up, what a leg costs at a size (book walk,
 * pool curve, fees, gas), the size that maximizes net profit, and how an opportunity is executed
 * (leg order, bounds, abort rules, booked outcome). The `arbitrage` service wires it to prices,
 * venues and storage.
 */
export * from "./decimal";
export * from "./markets";
export * from "./pricing";
export * from "./detect";
export * from "./execution";
