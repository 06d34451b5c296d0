export * from "./errors";
export * from "./math";
export * from "./policy";
export * from "./tx";
export * from "./client";
