/**
 * mmesh's own per-venue settings, given in EXCHANGE_OVERRIDES next to ccxt constructor
 * fields or in the venue's markets document, and turned into ccxt configuration here:
 *
 * - `sandbox: true`: ccxt's setSandboxMode(true), which swaps every endpoint for the
 *   exchange's test URLs at once (Binance: testnet.binance.vision for public AND private).
 * - `marketType` ("spot" by default): loadMarkets asks only that kind's endpoints
 *   (Binance: spot exchangeInfo, not fapi/dapi/eapi, nor the sapi margin pair lists).
 * - `rateBudget: { weight, intervalMs }`: the request budget of the API key, in ccxt's
 *   cost units (rate-limit.ts).
 *
 * `checkVenueHosts` refuses a configuration that would send some REST calls to other hosts
 * than the rest (e.g. public URLs moved to a testnet, private ones left on production):
 * ccxt signs private calls with the testnet key and sends them to the live exchange.
 */
import type { RateBudget } from "./rate-limit";

export const MARKET_TYPES = ["spot", "margin", "swap", "future", "option"] as const;
export type MarketType = (typeof MARKET_TYPES)[number];

export interface VenueSettings {
  sandbox?: boolean;
  marketType?: MarketType;
  rateBudget?: RateBudget;
}

const SETTING_KEYS = ["sandbox", "marketType", "rateBudget"] as const;

/** A venue configuration that must not be used; the message names the exchange (and hosts), never credentials. */
export class VenueConfigError extends Error {
  override name = "VenueConfigError";
  constructor(readonly exchange: string, message: string) {
    super(`${exchange}: ${message}`);
  }
}

/** Splits one exchange's EXCHANGE_OVERRIDES entry into mmesh's settings and ccxt constructor fields (validated). */
export function splitVenueOverrides(exchange: string, fields: Record<string, unknown>): { settings: VenueSettings; ccxt: Record<string, unknown> } {
  const ccxt: Record<string, unknown> = {};
  const settings: VenueSettings = {};
  for (const [key, value] of Object.entries(fields)) {
    if (!(SETTING_KEYS as readonly string[]).includes(key)) ccxt[key] = value;
  }
  if (fields.sandbox !== undefined) {
    if (typeof fields.sandbox !== "boolean") throw new VenueConfigError(exchange, "sandbox must be true or false");
    settings.sandbox = fields.sandbox;
  }
  if (fields.marketType !== undefined) {
    if (!(MARKET_TYPES as readonly unknown[]).includes(fields.marketType)) throw new VenueConfigError(exchange, `marketType must be one of ${MARKET_TYPES.join(", ")}`);
    settings.marketType = fields.marketType as MarketType;
  }
  if (fields.rateBudget !== undefined) settings.rateBudget = parseRateBudget(exchange, fields.rateBudget);
  if ("testnet" in ccxt) throw new VenueConfigError(exchange, 'say "sandbox": true, not "testnet"');
  return { settings, ccxt };
}

export function parseRateBudget(exchange: string, raw: unknown): RateBudget {
  const b = raw as { weight?: unknown; intervalMs?: unknown } | null;
  const ok = !!b && typeof b === "object" && typeof b.weight === "number" && b.weight > 0 && Number.isFinite(b.weight)
    && typeof b.intervalMs === "number" && Number.isInteger(b.intervalMs) && b.intervalMs >= 100 && b.intervalMs <= 86_400_000;
  if (!ok) throw new VenueConfigError(exchange, "rateBudget must be { weight: <ccxt cost units, > 0>, intervalMs: <100..86400000> }");
  return { weight: b!.weight as number, intervalMs: b!.intervalMs as number };
}

/** The market types each `marketType` loads, in the vocabularies ccxt's exchanges use for `options.fetchMarkets`. */
const FETCH_TYPES: Record<MarketType, string[]> = {
  spot: ["spot"],
  margin: ["spot", "margin"],
  swap: ["swap", "linear", "inverse"],
  future: ["future", "futures", "delivery", "linear", "inverse"],
  option: ["option"],
};

/**
 * ccxt constructor fields for the settings, merged under the operator's own fields: the
 * operator's explicit `options.fetchMarkets` / `options.defaultType` win. `defaults` is the
 * exchange's own `options` (read from an instance built without overrides).
 */
export function ccxtFieldsFor(settings: VenueSettings, defaults: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const marketType = settings.marketType ?? "spot";
  const given = (fields.options ?? {}) as Record<string, unknown>;
  const options: Record<string, unknown> = { defaultType: marketType === "margin" ? "spot" : marketType };
  const own = defaults.fetchMarkets;
  const wanted = FETCH_TYPES[marketType];
  const list = Array.isArray(own) ? own : Array.isArray((own as { types?: unknown } | undefined)?.types) ? (own as { types: unknown[] }).types : null;
  if (list) {
    const kept = list.filter((t) => wanted.includes(String(t)));
    if (kept.length > 0) options.fetchMarkets = Array.isArray(own) ? kept : { ...(own as object), types: kept };
  }
  // Binance: spot loadMarkets also reads the margin pair lists (signed sapi calls) unless told not to.
  if (typeof defaults.fetchMargins === "boolean") options.fetchMargins = marketType === "margin";
  return { ...fields, ...(settings.sandbox ? { sandbox: true } : {}), options: { ...options, ...given } };
}

type UrlTree = Record<string, unknown>;

/** Every http(s) URL under `urls.api`, by key path (WebSocket URLs are not REST calls). */
function restUrls(api: unknown, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  if (typeof api === "string") {
    if (/^https?:\/\//.test(api)) out.set(prefix || "api", api);
    return out;
  }
  if (!api || typeof api !== "object") return out;
  for (const [key, value] of Object.entries(api as UrlTree)) {
    if (key === "ws") continue;
    for (const [k, v] of restUrls(value, prefix ? `${prefix}.${key}` : key)) out.set(k, v);
  }
  return out;
}

function host(url: string): string {
  try {
    return new URL(url.replace(/\{[a-z]+\}/gi, "x")).host;
  } catch {
    return url;
  }
}

/**
 * Refuses `configured` when some of its REST URLs were moved away from the exchange's own
 * (`reference`: the same exchange, same sandbox mode, no overrides) and others were not.
 */
export function checkVenueHosts(exchange: string, reference: { urls: Record<string, unknown> }, configured: { urls: Record<string, unknown> }): void {
  const base = restUrls(reference.urls.api);
  const now = restUrls(configured.urls.api);
  const moved: string[] = [];
  const stayed: string[] = [];
  for (const [key, url] of now) {
    const before = base.get(key);
    if (before === undefined || host(before) !== host(url)) moved.push(key);
    else stayed.push(key);
  }
  if (moved.length === 0 || stayed.length === 0) return;
  const hosts = (keys: string[]) => [...new Set(keys.map((k) => host(now.get(k)!)))].join(", ");
  throw new VenueConfigError(
    exchange,
    `the overrides move ${moved.slice(0, 6).join(", ")}${moved.length > 6 ? ", …" : ""} to ${hosts(moved)} but leave ${stayed.slice(0, 6).join(", ")}${stayed.length > 6 ? ", …" : ""} on ${hosts(stayed)}: ` +
      `private (signed) calls would go to a different host than public ones. Say "sandbox": true to use the exchange's testnet (every endpoint moves together), or override every URL of urls.api`,
  );
}

type ExchangeCtor = new (config: Record<string, unknown>) => { urls: Record<string, unknown>; options: Record<string, unknown> };

/** The ccxt constructor config for `fields` (overrides) + settings, checked; throws VenueConfigError. */
export function venueConfig(exchange: string, Exchange: ExchangeCtor, fields: Record<string, unknown>, extra: VenueSettings = {}): { config: Record<string, unknown>; settings: VenueSettings } {
  const split = splitVenueOverrides(exchange, fields);
  const settings: VenueSettings = { ...split.settings, ...Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) };
  const urlsApi = (split.ccxt.urls as { api?: unknown } | undefined)?.api;
  if (settings.sandbox && urlsApi !== undefined) {
    throw new VenueConfigError(exchange, 'sandbox: true replaces urls.api with the exchange\'s test URLs; override urls.test (every key) instead of urls.api');
  }
  let reference;
  try {
    reference = new Exchange(settings.sandbox ? { sandbox: true } : {});
  } catch (err) {
    throw new VenueConfigError(exchange, `cannot trade in sandbox mode: ${(err as Error).message}`);
  }
  const config = ccxtFieldsFor(settings, reference.options, split.ccxt);
  if (split.ccxt.urls !== undefined) checkVenueHosts(exchange, reference, new Exchange(config));
  return { config, settings };
}
