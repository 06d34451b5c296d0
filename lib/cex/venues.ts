/**
 * Open exchange clients, one per exchange id: the shared paper venue, or a ccxt instance
 * with the credentials the caller resolves (the cex service asks config and keys), the
 * per-exchange constructor overrides and venue settings, and on every REST request, from
 * the outside in: the exchange's own circuit breaker (venue-breaker.ts), the clock resync
 * on -1021 (exchange-clock.ts), the shared per-API-key budget and 429 cooldown
 * (rate-limit.ts). Every call goes through `call`, which loads markets and maps ccxt errors
 * to mmesh's.
 */
import { createExchangeClient, PAPER_EXCHANGE_ID, type ExchangeClient, type ExchangeCredentials } from "./client";
import { mapExchangeError } from "./errors";
import { ExchangeClock, installClockSync, supportsTimeSync } from "./exchange-clock";
import { installRateLimit, type RateLimitBackend } from "./rate-limit";
import { DEFAULT_VENUE_BREAKER, VenueBreaker, installVenueBreaker, type VenueBreakerOptions } from "./venue-breaker";
import type { VenueSettings } from "./venue-settings";

export interface Venue {
  exchange: string;
  client: ExchangeClient;
  /** Values masked out of every error message. */
  secrets: string[];
  /** false for the paper venue, which reports orders and fills by events. */
  live: boolean;
}

export interface VenueRegistryOptions {
  /** Credentials of a live exchange (undefined: public endpoints only); throws when the exchange is not configured. */
  credentials(exchange: string): Promise<ExchangeCredentials | undefined>;
  /**
   * ccxt constructor fields per exchange id, merged over mmesh's defaults, e.g.
   * `{ binance: { urls: { api: ... }, options: { defaultType: "spot" } } }`. A test seam
   * (point ccxt at a local exchange) and a place for venue options; never credentials.
   */
  overrides?: Record<string, Record<string, unknown>>;
  /** The shared request budget and 429 cooldown; null leaves ccxt's per-instance limiter alone. */
  rateLimit: RateLimitBackend | null;
  /** Venue settings from the exchange's markets document (sandbox, marketType, rateBudget); they win over `overrides`. */
  settings?(exchange: string): Promise<VenueSettings>;
  /** When each exchange's breaker opens (default DEFAULT_VENUE_BREAKER). */
  breaker?: Partial<VenueBreakerOptions>;
  /** How often a live venue's clock offset is measured again (default 60 000; 0: at open and after -1021 only). */
  clockSyncIntervalMs?: number;
  /** Each measured clock offset, exchange − local, ms (the cex service's gauge). */
  onClockOffset?(exchange: string, offsetMs: number): void;
  warn?(message: string): void;
}

export class VenueRegistry {
  private readonly venues = new Map<string, Promise<Venue>>();
  /** Outlive reopened clients: a new key does not make a failing exchange healthy. */
  private readonly breakers = new Map<string, VenueBreaker>();
  private readonly clocks = new Map<string, ExchangeClock>();

  constructor(private readonly options: VenueRegistryOptions) {}

  get(exchange: string): Promise<Venue> {
    let venue = this.venues.get(exchange);
    if (!venue) {
      venue = this.open(exchange);
      this.venues.set(exchange, venue);
      venue.catch(() => {
        if (this.venues.get(exchange) === venue) this.venues.delete(exchange);
      });
    }
    return venue;
  }

  private async open(exchange: string): Promise<Venue> {
    if (exchange === PAPER_EXCHANGE_ID) return { exchange, client: createExchangeClient(PAPER_EXCHANGE_ID), secrets: [], live: false };
    const credentials = await this.options.credentials(exchange);
    const settings = (await this.options.settings?.(exchange)) ?? {};
    const overrides = this.options.overrides?.[exchange] ?? {};
    let client: ExchangeClient;
    try {
      client = createExchangeClient(exchange, credentials, overrides, settings);
    } catch (err) {
      throw mapExchangeError(err, exchange); // e.g. VenueConfigError → 503 EXCHANGE_MISCONFIGURED naming the exchange
    }
    const budget = settings.rateBudget ?? (overrides.rateBudget as VenueSettings["rateBudget"]);
    if (this.options.rateLimit) installRateLimit(client, { exchange, apiKey: credentials?.apiKey, backend: this.options.rateLimit, budget });
    if (supportsTimeSync(client)) {
      this.clocks.get(exchange)?.stop();
      const clock = new ExchangeClock(client, {
        exchange,
        intervalMs: this.options.clockSyncIntervalMs ?? 60_000,
        onOffset: this.options.onClockOffset,
        warn: this.options.warn,
      });
      installClockSync(client, clock);
      this.clocks.set(exchange, clock);
    }
    installVenueBreaker(client, this.breaker(exchange));
    await this.clocks.get(exchange)?.start();
    const secrets = [credentials?.apiKey, credentials?.secret, credentials?.password].filter((s): s is string => !!s);
    return { exchange, client, secrets, live: true };
  }

  /** The exchange's own breaker (created on first use). */
  breaker(exchange: string): VenueBreaker {
    let breaker = this.breakers.get(exchange);
    if (!breaker) {
      breaker = new VenueBreaker(exchange, { ...DEFAULT_VENUE_BREAKER, ...this.options.breaker });
      this.breakers.set(exchange, breaker);
    }
    return breaker;
  }

  /** Runs `fn` on the exchange's client (markets loaded); exchange errors come out as mmesh errors. */
  async call<T>(exchange: string, fn: (client: ExchangeClient, venue: Venue) => Promise<T>): Promise<T> {
    const venue = await this.get(exchange);
    try {
      await venue.client.loadMarkets();
      return await fn(venue.client, venue);
    } catch (err) {
      throw mapExchangeError(err, exchange, venue.secrets);
    }
  }

  /** Forgets live clients (their keyId may have changed); the next call reopens them. */
  async resetLive(): Promise<void> {
    const live = [...this.venues.entries()].filter(([name]) => name !== PAPER_EXCHANGE_ID);
    for (const [name] of live) this.venues.delete(name);
    for (const clock of this.clocks.values()) clock.stop();
    this.clocks.clear();
    for (const [, venue] of live) await (await venue.catch(() => null))?.client.close?.().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.resetLive();
    this.venues.clear();
  }
}
