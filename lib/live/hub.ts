/**
 * The live channel's subscribers on one gateway node: every mesh message goes to each
 * client's bounded queue, and a timer flushes the queues at most once per `intervalMs`
 * (the per-client throttle; replaceable messages coalesce in between). A client whose
 * queue overflows (its socket does not drain) is dropped; at most `maxClients` at once.
 */
import { LiveClient, type DropReason, type LiveSink } from "./live-client";
import type { LiveMessage, LiveTopic } from "./messages";

export interface LiveHubOptions {
  /** Throttle: a client is written at most this often, ms. */
  intervalMs: number;
  /** Unsent messages a client may have before it is dropped. */
  maxQueued: number;
  /** Subscribers at once on this node; more are refused. */
  maxClients: number;
  /** An SSE comment this often keeps idle streams open through proxies, ms. */
  heartbeatMs: number;
  /** A stream is ended after this long (`dropped` with reason `expired`): the client reconnects with its current token, so a stream never outlives an access token for long, ms. */
  maxAgeMs: number;
}

export const DEFAULT_LIVE_OPTIONS: LiveHubOptions = { intervalMs: 250, maxQueued: 500, maxClients: 100, heartbeatMs: 15_000, maxAgeMs: 300_000 };

export interface LiveHubStats {
  clients: number;
  published: number;
  dropped: Record<DropReason, number>;
}

export class LiveHub {
  private readonly clients = new Set<LiveClient>();
  private flushTimer: NodeJS.Timeout | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private readonly stats: LiveHubStats = { clients: 0, published: 0, dropped: { slow: 0, closed: 0, auth: 0, expired: 0, shutdown: 0 } };

  constructor(readonly options: LiveHubOptions = DEFAULT_LIVE_OPTIONS) {}

  get size(): number {
    return this.clients.size;
  }

  snapshot(): LiveHubStats {
    return { ...this.stats, clients: this.clients.size, dropped: { ...this.stats.dropped } };
  }

  /** A new subscriber, or null when this node already serves `maxClients`. */
  add(sink: LiveSink, topics: ReadonlySet<LiveTopic> | null = null): LiveClient | null {
    if (this.clients.size >= this.options.maxClients) return null;
    const expiry = setTimeout(() => client.close("expired"), this.options.maxAgeMs);
    expiry.unref();
    const client = new LiveClient(sink, this.options.maxQueued, topics, (c, reason) => {
      clearTimeout(expiry);
      this.clients.delete(c);
      this.stats.dropped[reason] += 1;
    });
    this.clients.add(client);
    this.start();
    return client;
  }

  publish(message: LiveMessage): void {
    this.stats.published += 1;
    for (const client of this.clients) client.push(message);
  }

  /** Writes every client's queue (the timer calls this each `intervalMs`). */
  flush(): void {
    for (const client of this.clients) client.flush();
  }

  /** Ends every stream (tokens revoked, users changed: clients reconnect with a fresh token). */
  closeAll(reason: DropReason): void {
    for (const client of [...this.clients]) client.close(reason);
  }

  stop(): void {
    this.closeAll("shutdown");
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.flushTimer = this.heartbeatTimer = null;
  }

  private start(): void {
    if (this.flushTimer) return;
    this.flushTimer = setInterval(() => this.flush(), this.options.intervalMs);
    this.flushTimer.unref();
    this.heartbeatTimer = setInterval(() => {
      for (const client of this.clients) client.heartbeat();
    }, this.options.heartbeatMs);
    this.heartbeatTimer.unref();
  }
}
