/**
 * Real ccxt.binance / ccxt.pro.binance clients pointed at a running FakeBinance.
 *
 * Every `urls.api` entry keeps its path and loses its host: `https://api.binance.com/api/v3`
 * → `http://127.0.0.1:<port>/api/v3`, `https://api.binance.com/sapi/v1` → `.../sapi/v1`
 * (fapi/dapi/papi too, which the fake answers with 404). WebSocket URLs keep the first label
 * of their host as a path prefix: `wss://stream.binance.com:9443/ws` → `ws://127.0.0.1:<port>/stream/ws`,
 * so ccxt.pro's spot-url check (`url` contains "/stream") behaves as against Binance.
 */
import * as ccxt from "ccxt";
import { DEFAULT_ACCOUNT } from "./server";

/** The ccxt.pro binance client type. */
export type BinancePro = InstanceType<typeof ccxt.pro.binance>;

export interface FakeBinanceEndpoint {
  httpUrl: string;
  wsUrl: string;
}

export interface FakeClientOptions {
  apiKey?: string;
  secret?: string;
  /** ccxt's own throttle (default true, as ccxt). */
  enableRateLimit?: boolean;
  /** ms per unit of request cost (ccxt's binance default: 50). Tests lower it to run fast. */
  rateLimit?: number;
  /** ms before ccxt gives up on a request (ccxt default: 10000). */
  timeout?: number;
  /** Merged over the defaults below into `exchange.options`. */
  options?: Record<string, unknown>;
  /** Any other ccxt constructor field. */
  [key: string]: unknown;
}

/**
 * ccxt options that keep a spot client on the endpoints the fake serves:
 * spot markets only (no fapi/dapi exchangeInfo), no sapi coin list or margin pair lists
 * during loadMarkets (the fake answers those too, but they cost rate-limit time).
 */
export const FAKE_CLIENT_OPTIONS: Record<string, unknown> = {
  defaultType: "spot",
  fetchMarkets: { types: ["spot"] },
  fetchCurrencies: false,
  fetchMargins: false,
};

function rewriteHttp(value: string, httpUrl: string): string {
  const u = new URL(value);
  return httpUrl + u.pathname.replace(/\/$/, "");
}

function rewriteWs(value: string, wsUrl: string): string {
  const u = new URL(value);
  const label = u.hostname.split(".")[0];
  return `${wsUrl}/${label}${u.pathname}`;
}

function rewriteTree(node: Record<string, unknown>, rewrite: (v: string) => string): void {
  for (const [key, value] of Object.entries(node)) {
    if (typeof value === "string" && /^(https?|wss?):\/\//.test(value)) node[key] = rewrite(value);
    else if (value && typeof value === "object") rewriteTree(value as Record<string, unknown>, rewrite);
  }
}

/** Points every REST and WebSocket URL of a ccxt binance instance at the fake (in place). */
export function pointAtFake(exchange: ccxt.Exchange, endpoint: FakeBinanceEndpoint): void {
  const api = exchange.urls["api"] as Record<string, unknown>;
  for (const [key, value] of Object.entries(api)) {
    if (key === "ws" && value && typeof value === "object") {
      rewriteTree(value as Record<string, unknown>, (v) => rewriteWs(v, endpoint.wsUrl));
    } else if (typeof value === "string") {
      api[key] = rewriteHttp(value, endpoint.httpUrl);
    } else if (value && typeof value === "object") {
      rewriteTree(value as Record<string, unknown>, (v) => rewriteHttp(v, endpoint.httpUrl));
    }
  }
}

/**
 * Constructor config for any code that builds its own ccxt binance instance (e.g. the cex
 * service's `createExchangeClient("binance", credentials, fakeBinanceConfig(ep))`): every
 * REST and WebSocket URL pointed at the fake, plus FAKE_CLIENT_OPTIONS. ccxt deep-merges it
 * over its defaults.
 */
export function fakeBinanceConfig(endpoint: FakeBinanceEndpoint, options: Record<string, unknown> = {}): Record<string, unknown> {
  const template = new ccxt.pro.binance();
  pointAtFake(template, endpoint);
  return { urls: { api: template.urls["api"] }, options: { ...FAKE_CLIENT_OPTIONS, ...options } };
}

function config(options: FakeClientOptions): Record<string, unknown> {
  const { options: extra, ...rest } = options;
  return {
    apiKey: DEFAULT_ACCOUNT.apiKey,
    secret: DEFAULT_ACCOUNT.secret,
    enableRateLimit: true,
    ...rest,
    options: { ...FAKE_CLIENT_OPTIONS, ...(extra ?? {}) },
  };
}

/** A REST client (ccxt.binance) for the fake. Defaults to the fake's DEFAULT_ACCOUNT keys. */
export function createFakeBinanceClient(endpoint: FakeBinanceEndpoint, options: FakeClientOptions = {}): ccxt.binance {
  const exchange = new ccxt.binance(config(options));
  pointAtFake(exchange, endpoint);
  return exchange;
}

/**
 * A ccxt.pro.binance client for the fake, ready for ws:// (loadHttpProxyAgent done).
 * Close it with `await exchange.close()`.
 */
export async function createFakeBinanceProClient(endpoint: FakeBinanceEndpoint, options: FakeClientOptions = {}): Promise<BinancePro> {
  const exchange = new ccxt.pro.binance(config(options));
  pointAtFake(exchange, endpoint);
  await exchange.loadHttpProxyAgent();
  return exchange;
}
