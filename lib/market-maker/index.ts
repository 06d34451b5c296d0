/** The market-maker bot runtime's pure building blocks. */
export * from "./rounding";
export * from "./order-plan";
export * from "./client-order-id";
export * from "./accounting";
