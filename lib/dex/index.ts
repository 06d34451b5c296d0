export * from "./errors";
export * from "./math";
export * from "./pools";
export * from "./quote";
export * from "./swap";
export * from "./trade";
