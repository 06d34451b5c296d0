/**
 * Open exchange clients, one per exchange id: the shared paper venue, or a ccxt instance
 * with the credentials the caller resolves (the cex service asks config and keys), the
 * per-exchange constructor overrides, and the shared per-API-key rate limit installed.
 * Every call goes through `call`, which loads markets and maps ccxt errors to mmesh's.
 */
import { createExchangeClient, PAPER_EXCHANGE_ID, type ExchangeClient, type ExchangeCredentials } from "./client";
import { mapExchangeError } from "./errors";
import { installRateLimit, type RateLimitBackend } from "./rate-limit";

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
}

export class VenueRegistry {
  private readonly venues = new Map<string, Promise<Venue>>();

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
    const client = createExchangeClient(exchange, credentials, this.options.overrides?.[exchange] ?? {});
    if (this.options.rateLimit) installRateLimit(client, { exchange, apiKey: credentials?.apiKey, backend: this.options.rateLimit });
    const secrets = [credentials?.apiKey, credentials?.secret, credentials?.password].filter((s): s is string => !!s);
    return { exchange, client, secrets, live: true };
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
    for (const [, venue] of live) await (await venue.catch(() => null))?.client.close?.().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.resetLive();
    this.venues.clear();
  }
}
