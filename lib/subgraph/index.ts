/** The Graph's Uniswap V3 subgraph: query builders, a fetch-based client, validation and mapping, last good data. */
export * from "./queries";
export * from "./client";
export * from "./mapping";
export * from "./last-good";
export * from "./errors";
