export * from "./types";
export * from "./selector";
export * from "./engine";
export * from "./history";
export * from "./history-writer";
