/**
 * Validates subgraph answers and maps them to mmesh's shapes. BigDecimal and BigInt
 * values stay decimal strings (normalized, never floats); a missing or malformed
 * field is a SubgraphError naming its path, e.g. `pools[2].totalValueLockedUSD`.
 */
import { Decimal } from "../decimal";
import { SubgraphError } from "./client";

// 80 digits: the product of two subgraph BigDecimals (up to 34 significant digits each) is exact.
const D = Decimal.clone({ precision: 80 });

const DECIMAL_TEXT = /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const INTEGER_TEXT = /^-?\d+$/;
const DAY_SECONDS = 86_400;

export interface SubgraphToken {
  address: string;
  symbol: string;
  name: string;
  decimals: number;
}

export interface SubgraphPool {
  address: string;
  /** Fee in hundredths of a basis point, as in the pool contract (500 = 0.05%). */
  feeTier: number;
  /** The same fee as a decimal fraction: "0.0005". */
  feeRate: string;
  token0: SubgraphToken;
  token1: SubgraphToken;
  /** token0 per token1, and token1 per token0 (the schema's naming). */
  token0Price: string;
  token1Price: string;
  liquidity: string;
  sqrtPriceX96: string;
  tick: number | null;
  tvlUSD: string;
  tvlToken0: string;
  tvlToken1: string;
  volumeUSD: string;
  feesUSD: string;
  txCount: string;
}

export interface SubgraphPoolDay {
  /** UTC day, "2026-11-24". */
  date: string;
  /** Start of the day, unix seconds (the schema's `date`). */
  timestamp: number;
  volumeUSD: string;
  tvlUSD: string;
  feesUSD: string;
  txCount: string;
  token0Price: string;
  token1Price: string;
  open: string;
  high: string;
  low: string;
  close: string;
}

export interface SubgraphTokenPrice extends SubgraphToken {
  derivedETH: string;
  ethPriceUSD: string;
  /** derivedETH × ethPriceUSD, exact. */
  priceUSD: string;
}

type Json = Record<string, unknown>;

function bad(path: string, problem: string): SubgraphError {
  return new SubgraphError("invalid-response", `The subgraph's answer ${problem} at ${path}`);
}

function object(value: unknown, path: string): Json {
  if (value === undefined) throw bad(path, "is missing a field");
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw bad(path, "has no object");
  return value as Json;
}

function present(obj: Json, field: string, path: string): unknown {
  const value = obj[field];
  if (value === undefined || value === null) throw bad(`${path}.${field}`, "is missing a field");
  return value;
}

/** A BigDecimal: a string (or, leniently, a number) normalized to plain decimal text. */
export function decimalField(obj: Json, field: string, path: string): string {
  const value = present(obj, field, path);
  const text = typeof value === "number" && Number.isFinite(value) ? String(value) : value;
  if (typeof text !== "string" || !DECIMAL_TEXT.test(text)) throw bad(`${path}.${field}`, "has no decimal number");
  return new D(text).toFixed();
}

function bigintField(obj: Json, field: string, path: string): string {
  const value = present(obj, field, path);
  const text = typeof value === "number" && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text !== "string" || !INTEGER_TEXT.test(text)) throw bad(`${path}.${field}`, "has no integer");
  return BigInt(text).toString();
}

function smallIntField(obj: Json, field: string, path: string): number {
  const text = bigintField(obj, field, path);
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw bad(`${path}.${field}`, "has an integer out of range");
  return n;
}

function stringField(obj: Json, field: string, path: string): string {
  const value = present(obj, field, path);
  if (typeof value !== "string") throw bad(`${path}.${field}`, "has no string");
  return value;
}

function addressField(obj: Json, field: string, path: string): string {
  const value = stringField(obj, field, path);
  if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw bad(`${path}.${field}`, "has no 0x address");
  return value.toLowerCase();
}

function list(data: Json, field: string): unknown[] {
  const value = data[field];
  if (value === undefined || value === null) throw bad(field, "is missing a field");
  if (!Array.isArray(value)) throw bad(field, "has no list");
  return value;
}

export function mapToken(value: unknown, path: string): SubgraphToken {
  const t = object(value, path);
  return { address: addressField(t, "id", path), symbol: stringField(t, "symbol", path), name: stringField(t, "name", path), decimals: smallIntField(t, "decimals", path) };
}

export function mapPool(value: unknown, path: string): SubgraphPool {
  const p = object(value, path);
  const feeTier = smallIntField(p, "feeTier", path);
  const tick = p.tick === null ? null : smallIntField(p, "tick", path);
  return {
    address: addressField(p, "id", path),
    feeTier,
    feeRate: new D(feeTier).div(1_000_000).toFixed(),
    token0: mapToken(p.token0, `${path}.token0`),
    token1: mapToken(p.token1, `${path}.token1`),
    token0Price: decimalField(p, "token0Price", path),
    token1Price: decimalField(p, "token1Price", path),
    liquidity: bigintField(p, "liquidity", path),
    sqrtPriceX96: bigintField(p, "sqrtPrice", path),
    tick,
    tvlUSD: decimalField(p, "totalValueLockedUSD", path),
    tvlToken0: decimalField(p, "totalValueLockedToken0", path),
    tvlToken1: decimalField(p, "totalValueLockedToken1", path),
    volumeUSD: decimalField(p, "volumeUSD", path),
    feesUSD: decimalField(p, "feesUSD", path),
    txCount: bigintField(p, "txCount", path),
  };
}

/** `data` of a topPoolsQuery → pools in the subgraph's order. */
export function mapTopPools(data: Json): SubgraphPool[] {
  return list(data, "pools").map((p, i) => mapPool(p, `pools[${i}]`));
}

/** `data` of a poolDayDataQuery → days, oldest first. */
export function mapPoolDayData(data: Json): SubgraphPoolDay[] {
  return list(data, "poolDayDatas").map((value, i) => {
    const path = `poolDayDatas[${i}]`;
    const d = object(value, path);
    const raw = present(d, "date", path);
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 0) throw bad(`${path}.date`, "has no unix day");
    return {
      date: new Date(raw * 1000).toISOString().slice(0, 10),
      timestamp: raw - (raw % DAY_SECONDS),
      volumeUSD: decimalField(d, "volumeUSD", path),
      tvlUSD: decimalField(d, "tvlUSD", path),
      feesUSD: decimalField(d, "feesUSD", path),
      txCount: bigintField(d, "txCount", path),
      token0Price: decimalField(d, "token0Price", path),
      token1Price: decimalField(d, "token1Price", path),
      open: decimalField(d, "open", path),
      high: decimalField(d, "high", path),
      low: decimalField(d, "low", path),
      close: decimalField(d, "close", path),
    };
  });
}

/** Exact product of decimal strings. */
export function multiplyDecimals(a: string, b: string): string {
  return new D(a).mul(b).toFixed();
}

/** `data` of a tokenPriceQuery → the token's USD price, or null when the subgraph has no such token. */
export function mapTokenPrice(data: Json): SubgraphTokenPrice | null {
  if (!("token" in data)) throw bad("token", "is missing a field");
  if (data.token === null) return null;
  const token = mapToken(data.token, "token");
  const derivedETH = decimalField(object(data.token, "token"), "derivedETH", "token");
  if (!("bundle" in data) || data.bundle === null) throw bad("bundle", "is missing a field");
  const ethPriceUSD = decimalField(object(data.bundle, "bundle"), "ethPriceUSD", "bundle");
  return { ...token, derivedETH, ethPriceUSD, priceUSD: multiplyDecimals(derivedETH, ethPriceUSD) };
}
