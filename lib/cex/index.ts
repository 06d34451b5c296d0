/** Exchange adapter layer: the paper venue and ccxt behind one interface, decimal strings at the edge. */
export * from "./cancel";
export * from "./client";
export * from "./convert";
export * from "./decimal";
export * from "./errors";
export * from "./fee-rates";
export * from "./fill-sync";
export * from "./order-store";
export * from "./orders";
export * from "./placement";
export * from "./rate-limit";
export * from "./reconcile";
export * from "./replace";
export * from "./venues";
