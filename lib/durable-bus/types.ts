/**
 * Types of the durable bus (see mixins/durable-bus.ts for the topology and the
 * middleware). Shared by the AMQP transport, the in-memory transport and the
 * `channels` schema augmentation in types/durable-bus.d.ts.
 */

/** The second argument of a channel handler: the message's envelope. */
export interface DurableMessage {
  /** Unique per published message (set by the producer or generated). Stable across retries: use it to deduplicate. */
  messageId: string;
  /** Channel name as given to sendToChannel, without prefix, e.g. "order.filled". */
  channel: string;
  /** Consumer group that received it. */
  group: string;
  /** Producer headers plus the bus's own `x-*` headers. */
  headers: Record<string, unknown>;
  /** How many times this message failed in this group before this delivery (0 = first attempt). */
  retries: number;
  /** True when RabbitMQ delivers it again after a consumer died before acking (at-least-once). */
  redelivered: boolean;
  /** Publish time, ms since epoch. */
  publishedAt: number;
  /** The amqplib message in AMQP mode; undefined in memory mode. */
  amqp?: unknown;
}

/** A channel handler; `this` is the consuming service. Resolve to ack; throw to retry / dead-letter. */
export type ChannelHandler<P = any, TThis = any> = (this: TThis, payload: P, raw: DurableMessage) => void | Promise<void>;

export interface DeadLetteringOptions {
  /** Default true: a message that still fails after maxRetries goes to the group's DLQ. false: it is dropped (logged). */
  enabled?: boolean;
  /** Full queue name of the DLQ. Default `<prefix>.<channel>.<group>.DLQ`. */
  queueName?: string;
}

/** A service's `channels: { "<channel>": ChannelDefinition | handler }` entry. */
export interface ChannelDefinition<P = any, TThis = any> {
  /** Consumer group. Nodes in one group compete for messages; every group gets every message. Default: the service's fullName. */
  group?: string;
  handler: ChannelHandler<P, TThis>;
  /** Retries after the first failed attempt (so at most 1 + maxRetries attempts). Default from the bus options (3). */
  maxRetries?: number;
  /** Wait before a failed message is retried, ms. Default from the bus options (200). */
  retryDelay?: number;
  /** Messages handled concurrently by this consumer (AMQP prefetch). Default from the bus options (10). */
  maxInFlight?: number;
  deadLettering?: DeadLetteringOptions;
}

export interface SendToChannelOptions {
  /** Set it to make the message idempotent end to end (e.g. the fill's id). Default: a random UUID. */
  messageId?: string;
  /** Extra headers (values must be JSON-serialisable scalars). */
  headers?: Record<string, string | number | boolean>;
}

export interface DurableBusOptions {
  /** amqp://user:pass@host:port. Undefined/null/"" → in-memory mode (same API, not durable across restarts). */
  url?: string | null;
  /** Prefix of every exchange and queue name. Default "mmesh". */
  prefix?: string;
  /** Default retries for channels that do not set their own. Default 3. */
  maxRetries?: number;
  /** Default wait before a retry, ms. Default 200. */
  retryDelay?: number;
  /** Default prefetch per consumer. Default 10. */
  maxInFlight?: number;
  /** sendToChannel rejects when the connection is not up or RabbitMQ did not confirm within this, ms. Default 10000. */
  publishTimeout?: number;
  /** On stop, wait at most this long for running handlers before closing (unacked messages are then redelivered), ms. Default 10000. */
  drainTimeout?: number;
}

/** A channel subscription with every default resolved and every name computed. */
export interface Subscription {
  /** Unique per (service, channel) within one broker. */
  id: string;
  channel: string;
  group: string;
  exchange: string;
  queue: string;
  /** null when dead-lettering is disabled. */
  deadLetterQueue: string | null;
  maxRetries: number;
  retryDelay: number;
  maxInFlight: number;
  handler: (payload: unknown, raw: DurableMessage) => Promise<void>;
}

/** What the middleware needs from a transport (AMQP or memory). */
export interface BusTransport {
  readonly mode: "amqp" | "memory";
  /** Called when a service with channels is created, before anything is started. */
  declare(sub: Subscription): void;
  connect(): Promise<void>;
  /** Resolves once the message is stored in every group queue bound to the channel. */
  publish(channel: string, payload: unknown, opts?: SendToChannelOptions): Promise<void>;
  subscribe(sub: Subscription): Promise<void>;
  /** Stops delivering to this subscription and waits for its running handlers. */
  unsubscribe(sub: Subscription): Promise<void>;
  close(): Promise<void>;
  /** Messages waiting in a group queue (not counting ones being delivered/unacked). 0 when the queue does not exist. */
  depth(queue: string): Promise<number>;
}
