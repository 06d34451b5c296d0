export * from "./errors";
export * from "./fees";
export * from "./nonce";
export * from "./wallet";
