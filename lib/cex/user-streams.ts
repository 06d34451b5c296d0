/**
 * The user data streams of a cex node: one UserStream per live exchange that has keys and a
 * ccxt.pro private stream, each with a pro client built like the venue's REST client (same
 * credentials and overrides) and the REST catch-up of lib/cex/catch-up.ts. `sync` replaces
 * them all (the markets documents or keys changed); `status` says which are up.
 */
import { createHash } from "node:crypto";
import type { Balances } from "ccxt";
import type { BackoffOptions } from "../feeds/backoff";
import { catchUpFills } from "./catch-up";
import type { ExchangeCredentials } from "./client";
import { redact } from "./errors";
import type { OrderStore } from "./order-store";
import type { ReconcileHooks } from "./reconcile";
import { UserStream } from "./user-stream";
import { createUserStreamClient, hasUserStream } from "./user-stream-client";
import type { VenueRegistry } from "./venues";

export interface UserStreamsOptions {
  venues: VenueRegistry;
  store: OrderStore;
  /** ccxt constructor overrides per exchange id (the same the venues get). */
  overrides?: Record<string, Record<string, unknown>>;
  reconcileHooks: ReconcileHooks;
  health(exchange: string, up: boolean): void;
  balance?(exchange: string, balance: Balances): void;
  warn(message: string): void;
  healthyCatchUpMs?: number;
  downCatchUpMs?: number;
  backoff?: BackoffOptions;
}

export interface UserStreamStatus {
  exchange: string;
  up: boolean;
  sessions: number;
  reports: number;
  streamFills: number;
  catchUps: number;
}

export class UserStreams {
  private readonly streams = new Map<string, UserStream>();
  /** A digest of the credentials each stream runs with (a new keyId, or a new secret under it, restarts it). */
  private readonly keys = new Map<string, string>();
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: UserStreamsOptions) {}

  /**
   * One stream per exchange of `credentials` that ccxt.pro streams: those running with the
   * same credentials are kept, the others stopped, new ones started.
   */
  sync(credentials: Map<string, ExchangeCredentials>): Promise<void> {
    this.syncing = this.syncing.then(async () => {
      const wanted = new Map([...credentials].filter(([exchange]) => hasUserStream(exchange)).map(([exchange, creds]) => [exchange, { creds, digest: digest(creds) }]));
      const stale = [...this.streams].filter(([exchange]) => wanted.get(exchange)?.digest !== this.keys.get(exchange));
      for (const [exchange] of stale) {
        this.streams.delete(exchange);
        this.keys.delete(exchange);
      }
      await Promise.all(stale.map(([, stream]) => stream.stop()));
      if (this.closed) return;
      for (const [exchange, { creds, digest: key }] of wanted) {
        if (this.streams.has(exchange)) continue;
        const stream = this.create(exchange, creds);
        this.streams.set(exchange, stream);
        this.keys.set(exchange, key);
        stream.start();
      }
    });
    return this.syncing;
  }

  private create(exchange: string, credentials: ExchangeCredentials): UserStream {
    const { venues, store, overrides } = this.options;
    const secrets = [credentials.apiKey, credentials.secret, credentials.password];
    return new UserStream({
      exchange,
      store,
      open: async (onTerminated) => {
        const venue = await venues.get(exchange);
        await venues.call(exchange, (c) => c.loadMarkets());
        return createUserStreamClient({ exchange, credentials, overrides: overrides?.[exchange], rest: venue.client, onTerminated });
      },
      catchUp: async (since) => (await catchUpFills(venues, store, exchange, since, this.options.reconcileHooks)) !== null,
      hooks: {
        health: (up) => this.options.health(exchange, up),
        balance: this.options.balance ? (b) => this.options.balance?.(exchange, b) : undefined,
        warn: (message) => this.options.warn(redact(message, secrets)),
      },
      healthyCatchUpMs: this.options.healthyCatchUpMs,
      downCatchUpMs: this.options.downCatchUpMs,
      backoff: this.options.backoff,
    });
  }

  status(): UserStreamStatus[] {
    return [...this.streams.values()].map((s) => ({ exchange: s.exchange, up: s.isUp(), ...s.stats }));
  }

  get(exchange: string): UserStream | undefined {
    return this.streams.get(exchange);
  }

  private async stopAll(): Promise<void> {
    const all = [...this.streams.values()];
    this.streams.clear();
    this.keys.clear();
    await Promise.all(all.map((s) => s.stop()));
  }

  /** True once stop() was called: the owner should not prepare another sync. */
  get stopped(): boolean {
    return this.closed;
  }

  /** Stops every stream; a later sync starts nothing. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.syncing.catch(() => undefined);
    await this.stopAll();
  }
}

/** The venues markets documents name with a keyId (each once): those whose fills a user stream can carry. */
export function keyedVenues(docs: Array<{ body?: { venue?: string; keyId?: string } }>): string[] {
  return [...new Set(docs.filter((d) => d.body?.venue && d.body.venue !== "paper" && d.body.keyId).map((d) => d.body!.venue!))];
}

function digest(credentials: ExchangeCredentials): string {
  return createHash("sha256").update(JSON.stringify([credentials.apiKey, credentials.secret, credentials.password ?? null])).digest("hex");
}
