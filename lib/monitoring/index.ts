export * from "./probes";
export * from "./business-metrics";
export * from "./mesh";
