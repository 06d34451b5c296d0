/**
 * GraphQL documents for The Graph's Uniswap V3 subgraph (Uniswap/v3-subgraph
 * schema.graphql: Pool, Token, PoolDayData, Bundle). Field and enum names are the
 * schema's own; every builder returns `{ query, variables }` ready to POST.
 */

export const MAX_FIRST = 100;
/** The Graph refuses `skip` above 5000. */
export const MAX_SKIP = 5000;
export const MAX_DAYS = 365;
export const ADDRESS_PATTERN = /^0x[0-9a-fA-F]{40}$/;
const DAY_SECONDS = 86_400;

export type PoolOrder = "tvl" | "volume";

export interface GraphQLRequest {
  query: string;
  variables: Record<string, unknown>;
}

/** mmesh's order names → the schema's `Pool_orderBy` values. */
export const POOL_ORDER_FIELD: Record<PoolOrder, "totalValueLockedUSD" | "volumeUSD"> = {
  tvl: "totalValueLockedUSD",
  volume: "volumeUSD",
};

const TOKEN_FIELDS = "id symbol name decimals";

export const POOL_FIELDS = [
  "id",
  "feeTier",
  "liquidity",
  "sqrtPrice",
  "tick",
  "token0Price",
  "token1Price",
  "volumeUSD",
  "feesUSD",
  "txCount",
  "totalValueLockedUSD",
  "totalValueLockedToken0",
  "totalValueLockedToken1",
  `token0 { ${TOKEN_FIELDS} }`,
  `token1 { ${TOKEN_FIELDS} }`,
].join(" ");

export const POOL_DAY_FIELDS = "date volumeUSD tvlUSD feesUSD txCount token0Price token1Price open high low close";

function integer(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${value}`);
  return value;
}

/** The Graph stores addresses lower-case; entity ids compare as strings. */
export function normalizeAddress(name: string, value: string): string {
  if (!ADDRESS_PATTERN.test(value)) throw new RangeError(`${name} must be a 0x-prefixed 20-byte hex address`);
  return value.toLowerCase();
}

export function topPoolsQuery(opts: { orderBy: PoolOrder; first: number; skip?: number }): GraphQLRequest {
  const orderBy = POOL_ORDER_FIELD[opts.orderBy];
  if (!orderBy) throw new RangeError(`orderBy must be one of ${Object.keys(POOL_ORDER_FIELD).join(", ")}`);
  return {
    query: `query TopPools($first: Int!, $skip: Int!, $orderBy: Pool_orderBy!) {
  pools(first: $first, skip: $skip, orderBy: $orderBy, orderDirection: desc) { ${POOL_FIELDS} }
}`,
    variables: { first: integer("first", opts.first, 1, MAX_FIRST), skip: integer("skip", opts.skip ?? 0, 0, MAX_SKIP), orderBy },
  };
}

/** Start (unix seconds, UTC midnight) of the oldest of the last `days` days, today included. */
export function sinceDay(days: number, nowMs: number): number {
  const today = Math.floor(nowMs / 1000 / DAY_SECONDS) * DAY_SECONDS;
  return today - (days - 1) * DAY_SECONDS;
}

/** Daily snapshots of one pool over the last `days` days (today included), oldest first. */
export function poolDayDataQuery(opts: { pool: string; days: number; nowMs?: number }): GraphQLRequest {
  const days = integer("days", opts.days, 1, MAX_DAYS);
  return {
    query: `query PoolDayData($pool: String!, $since: Int!, $first: Int!) {
  poolDayDatas(first: $first, where: { pool: $pool, date_gte: $since }, orderBy: date, orderDirection: asc) { ${POOL_DAY_FIELDS} }
}`,
    variables: { pool: normalizeAddress("pool", opts.pool), since: sinceDay(days, opts.nowMs ?? Date.now()), first: days },
  };
}

/** A token's price in ETH (derivedETH) and the ETH price in USD (the singleton Bundle "1"), in one round trip. */
export function tokenPriceQuery(opts: { token: string }): GraphQLRequest {
  return {
    query: `query TokenPrice($id: ID!) {
  token(id: $id) { ${TOKEN_FIELDS} derivedETH }
  bundle(id: "1") { ethPriceUSD }
}`,
    variables: { id: normalizeAddress("token", opts.token) },
  };
}
