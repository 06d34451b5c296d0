/**
 * Pure parts of the durable bus: names of exchanges and queues, option defaults,
 * the retry/dead-letter decision and the bus's errors. No broker, no I/O.
 */
import { randomUUID } from "node:crypto";
import { Errors } from "moleculer";
import type { ChannelDefinition, ChannelHandler, DurableBusOptions, Subscription } from "./types";

export const DEFAULTS = {
  prefix: "mmesh",
  maxRetries: 3,
  retryDelay: 200,
  maxInFlight: 10,
  publishTimeout: 10_000,
  drainTimeout: 10_000,
} as const;

export type ResolvedBusOptions = Required<Omit<DurableBusOptions, "url">> & { url: string | null };

export function resolveOptions(opts: DurableBusOptions = {}): ResolvedBusOptions {
  const pick = <K extends keyof typeof DEFAULTS>(k: K): (typeof DEFAULTS)[K] | NonNullable<DurableBusOptions[K]> =>
    opts[k] ?? DEFAULTS[k];
  const resolved: ResolvedBusOptions = {
    url: opts.url ? opts.url : null,
    prefix: pick("prefix"),
    maxRetries: pick("maxRetries"),
    retryDelay: pick("retryDelay"),
    maxInFlight: pick("maxInFlight"),
    publishTimeout: pick("publishTimeout"),
    drainTimeout: pick("drainTimeout"),
  };
  assertCount("maxRetries", resolved.maxRetries, 0);
  assertCount("retryDelay", resolved.retryDelay, 0);
  assertCount("maxInFlight", resolved.maxInFlight, 1);
  return resolved;
}

/** Headers the bus sets on messages (producer headers must not start with `x-mmesh-`). */
export const HEADER = {
  channel: "x-mmesh-channel",
  retries: "x-mmesh-retries",
  publishedAt: "x-mmesh-published-at",
  originalGroup: "x-mmesh-original-group",
  error: "x-mmesh-error",
  failedAt: "x-mmesh-failed-at",
} as const;

/** One durable fanout exchange per channel: `<prefix>.<channel>`. */
export const exchangeName = (prefix: string, channel: string): string => `${prefix}.${channel}`;

/** One durable queue per (channel, group): `<prefix>.<channel>.<group>`. */
export const queueName = (prefix: string, channel: string, group: string): string => `${prefix}.${channel}.${group}`;

/** The group's dead-letter queue: `<prefix>.<channel>.<group>.DLQ`. */
export const deadLetterQueueName = (prefix: string, channel: string, group: string): string =>
  `${queueName(prefix, channel, group)}.DLQ`;

/** What to do with a message whose handler threw, after `retries` earlier failures. */
export function onHandlerFailure(retries: number, maxRetries: number, deadLetterQueue: string | null): "retry" | "dead-letter" | "drop" {
  if (retries < maxRetries) return "retry";
  return deadLetterQueue ? "dead-letter" : "drop";
}

/**
 * Turns one `channels` entry of a service schema into a Subscription.
 * `bind` gives the handler its `this` (the service).
 */
export function resolveSubscription(
  channel: string,
  def: ChannelDefinition | ChannelHandler,
  serviceFullName: string,
  bus: ResolvedBusOptions,
  bind: (fn: ChannelHandler) => ChannelHandler,
): Subscription {
  const d: ChannelDefinition = typeof def === "function" ? { handler: def } : def;
  if (!d || typeof d.handler !== "function") {
    throw new Errors.ServiceSchemaError(`Channel '${channel}' of service '${serviceFullName}' has no handler`, { channel });
  }
  if (!/^[\w.:-]+$/.test(channel)) {
    throw new Errors.ServiceSchemaError(`Invalid channel name '${channel}' in service '${serviceFullName}'`, { channel });
  }
  const group = d.group ?? serviceFullName;
  const maxRetries = d.maxRetries ?? bus.maxRetries;
  const retryDelay = d.retryDelay ?? bus.retryDelay;
  const maxInFlight = d.maxInFlight ?? bus.maxInFlight;
  assertCount(`${channel}.maxRetries`, maxRetries, 0);
  assertCount(`${channel}.retryDelay`, retryDelay, 0);
  assertCount(`${channel}.maxInFlight`, maxInFlight, 1);
  const deadLettering = d.deadLettering?.enabled ?? true;
  const handler = bind(d.handler);
  return {
    id: `${serviceFullName}:${channel}:${group}`,
    channel,
    group,
    exchange: exchangeName(bus.prefix, channel),
    queue: queueName(bus.prefix, channel, group),
    deadLetterQueue: deadLettering ? d.deadLettering?.queueName ?? deadLetterQueueName(bus.prefix, channel, group) : null,
    maxRetries,
    retryDelay,
    maxInFlight,
    handler: async (payload, raw) => {
      await handler(payload, raw);
    },
  };
}

export const newMessageId = (): string => randomUUID();

/** JSON on the wire, like every other mmesh message (amounts are strings, never floats). */
export const encode = (payload: unknown): Buffer => Buffer.from(JSON.stringify(payload ?? null));
export const decode = (content: Buffer): unknown => JSON.parse(content.toString("utf8"));

export const errorText = (err: unknown): string => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)).slice(0, 1000);

// --- errors -------------------------------------------------------------------------

/** No consumer group has ever declared a queue for this channel: the message would be lost. */
export const unroutable = (channel: string) =>
  new Errors.MoleculerError(
    `No consumer group is bound to channel '${channel}': start a consumer of it once so its durable queue exists`,
    503,
    "CHANNEL_UNROUTABLE",
    { channel },
  );

/** Not connected, stopped, or not confirmed in time (type DURABLE_BUS_TIMEOUT): the message may not be stored. */
export const busUnavailable = (message: string, channel: string, type: "DURABLE_BUS_UNAVAILABLE" | "DURABLE_BUS_TIMEOUT" = "DURABLE_BUS_UNAVAILABLE") =>
  new Errors.MoleculerRetryableError(message, 503, type, { channel });

function assertCount(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new Errors.BrokerOptionsError(`durable bus: '${name}' must be an integer >= ${min}`, { [name]: value });
  }
}
