/** Exchange adapter layer: the paper venue and ccxt behind one interface, decimal strings at the edge. */
export * from "./client";
export * from "./convert";
export * from "./decimal";
export * from "./errors";
export * from "./fees";
export * from "./orders";
