export * from "./messages";
export * from "./coalescing-queue";
export * from "./live-client";
export * from "./hub";
export * from "./topics";
