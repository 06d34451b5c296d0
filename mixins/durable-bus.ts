/**
 * Durable bus: events that must not be lost (fills, alerts, notifications).
 * Prices and other replaceable events stay on ordinary Moleculer events.
 *
 * Use: put `createDurableBus({ url: env.amqpUrl })` in the broker's `middlewares`.
 * A service consumes with
 *   channels: { "order.filled": { group: "notification", maxRetries: 3, async handler(payload, raw) {...} } }
 * and anyone publishes with `await broker.sendToChannel("order.filled", payload)`.
 * This is @moleculer/channels' API; that library (0.1.8) was tried first and
 * replaced by this file because on Moleculer 0.15 + amqplib 0.10 it has no
 * publisher confirms and a stopped-then-restarted broker never resubscribes and
 * then hangs forever on its next stop (details in the durable-bus test file).
 *
 * RabbitMQ topology (prefix default "mmesh"), all durable, messages persistent:
 *
 *   producer ──publish──▶ exchange  <prefix>.<channel>          (fanout, one per channel)
 *                              │ one binding per consumer group
 *                              ▼
 *                        queue     <prefix>.<channel>.<group>    (one per channel × group)
 *                              │ consumers of one group compete (each message to one node);
 *                              │ every group has its own queue, so every group gets every message
 *                              ▼
 *                        handler ── resolves ──▶ ack
 *                              └─── throws ───▶ after retryDelay, republished (confirmed) to the
 *                                               tail of the same group queue with header
 *                                               x-mmesh-retries+1, then the original is acked;
 *                                               after maxRetries retries it is republished to
 *                                   queue     <prefix>.<channel>.<group>.DLQ
 *                                               with headers x-mmesh-error / -original-group /
 *                                               -failed-at, then acked.
 *
 * - sendToChannel resolves only when RabbitMQ confirmed the message (confirm channel),
 *   and rejects with CHANNEL_UNROUTABLE when no group queue is bound to the channel
 *   (published `mandatory`): a group's queue exists from its first start on, so a
 *   consumer that is down still gets everything sent meanwhile.
 * - Delivery is at-least-once: a node that dies before acking gets the message
 *   redelivered (`raw.redelivered`). Handlers deduplicate on `raw.messageId` when
 *   that matters (pass `{ messageId }` to sendToChannel to make it a business id).
 * - Prefetch per consumer = maxInFlight (default 10): at most that many handlers run.
 * - The connection is re-established with backoff; consumers resume on it.
 *   While it is down sendToChannel waits up to publishTimeout (a message whose
 *   confirm was lost with the connection is published again, same messageId),
 *   then rejects with a MoleculerRetryableError (DURABLE_BUS_UNAVAILABLE / _TIMEOUT).
 * - No url (embedded default): the same API runs in process (lib/durable-bus/memory-transport.ts),
 *   with retries and a dead-letter list, but nothing survives the process.
 */
import amqplib from "amqplib";
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from "amqplib";
import type { Middleware, Service, ServiceBroker } from "moleculer";
import { MemoryTransport, type BusLogger, type DeadLetter } from "../lib/durable-bus/memory-transport";
import {
  HEADER,
  busUnavailable,
  deadLetterQueueName,
  decode,
  encode,
  errorText,
  exchangeName,
  newMessageId,
  onHandlerFailure,
  queueName,
  resolveOptions,
  resolveSubscription,
  unroutable,
  type ResolvedBusOptions,
} from "../lib/durable-bus/topology";
import type {
  BusTransport,
  ChannelDefinition,
  ChannelHandler,
  DurableBusOptions,
  DurableMessage,
  SendToChannelOptions,
  Subscription,
} from "../lib/durable-bus/types";
import { maskUrl } from "../lib/runtime/mask";

export type { ChannelDefinition, ChannelHandler, DurableBusOptions, DurableMessage, SendToChannelOptions } from "../lib/durable-bus/types";

/** `broker.durableBus`: what the bus is and where its queues are. */
export interface DurableBusApi {
  readonly mode: "amqp" | "memory";
  readonly prefix: string;
  /** Exchange, queue and DLQ names of a (channel, group). */
  names(channel: string, group: string): { exchange: string; queue: string; deadLetterQueue: string };
  /** Memory mode only: the messages in a dead-letter queue. In AMQP mode read the DLQ in RabbitMQ. */
  deadLetters(deadLetterQueue: string): DeadLetter[];
  /**
   * Messages waiting in the queue of (channel, group): AMQP `messageCount` (ready
   * messages, not the unacked ones being handled); memory mode: queued plus waiting
   * for a retry. 0 when the group's queue does not exist (yet).
   */
  depth(channel: string, group: string): Promise<number>;
}

/** The broker middleware. One per broker. */
export function createDurableBus(options: DurableBusOptions = {}): Middleware {
  const opts = resolveOptions(options);
  let owner: ServiceBroker | null = null;
  let transport: BusTransport | null = null;
  const subscriptions = new WeakMap<Service, Subscription[]>();

  function init(broker: ServiceBroker): BusTransport {
    if (owner && owner !== broker) throw new Error("createDurableBus(): use one middleware instance per broker");
    if (transport) return transport;
    owner = broker;
    const logger = broker.getLogger("durable-bus");
    const t: BusTransport = opts.url
      ? new AmqpTransport({ ...opts, url: opts.url }, logger, `mmesh:${broker.nodeID}`)
      : new MemoryTransport(logger, opts.drainTimeout);
    transport = t;
    const api: DurableBusApi = {
      mode: t.mode,
      prefix: opts.prefix,
      names: (channel, group) => ({
        exchange: exchangeName(opts.prefix, channel),
        queue: queueName(opts.prefix, channel, group),
        deadLetterQueue: deadLetterQueueName(opts.prefix, channel, group),
      }),
      deadLetters: (dlq) => {
        if (t instanceof MemoryTransport) return t.deadLetters(dlq);
        throw new Error("durableBus.deadLetters() is for memory mode; read the DLQ in RabbitMQ");
      },
      depth: (channel, group) => t.depth(queueName(opts.prefix, channel, group)),
    };
    Object.assign(broker, {
      sendToChannel: (channel: string, payload: unknown, o?: SendToChannelOptions) => t.publish(channel, payload, o),
      durableBus: api,
    });
    logger.info(t.mode === "amqp" ? `Durable bus on RabbitMQ ${maskUrl(opts.url as string)}, prefix '${opts.prefix}'` : "Durable bus in memory (not durable across restarts)");
    return t;
  }

  return {
    name: "DurableBus",

    created(broker) {
      init(broker);
    },

    // Synchronous in Moleculer: parse `channels` and declare the groups (memory queues exist from here on).
    serviceCreated(svc) {
      const defs = (svc.schema as { channels?: Record<string, ChannelDefinition | ChannelHandler> }).channels;
      if (!defs) return;
      const t = init(svc.broker);
      const subs = Object.entries(defs).map(([channel, def]) =>
        resolveSubscription(channel, def, svc.fullName, opts, (fn) => fn.bind(svc)),
      );
      subs.forEach((s) => t.declare(s));
      subscriptions.set(svc, subs);
    },

    // Before services start, so `started` handlers can already publish.
    async starting(broker) {
      await init(broker).connect();
    },

    // Consume once the service's own `started` has run (its DB etc. are ready).
    async serviceStarted(svc) {
      for (const sub of subscriptions.get(svc) ?? []) await transport?.subscribe(sub);
    },

    // Stop consuming and let running handlers finish (ack) before the service stops.
    async serviceStopping(svc) {
      await Promise.all((subscriptions.get(svc) ?? []).map((sub) => transport?.unsubscribe(sub)));
    },

    async stopped() {
      await transport?.close();
    },
  };
}

// --- AMQP transport -----------------------------------------------------------------

interface AmqpConsumer {
  sub: Subscription;
  /** Channel currently consuming, null while disconnected. */
  ch: Channel | null;
  tag: string | null;
  inFlight: Set<Promise<void>>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class AmqpTransport implements BusTransport {
  readonly mode = "amqp" as const;
  private model: ChannelModel | null = null;
  /** Confirm channel for everything the bus publishes (messages, retries, dead letters). */
  private pub: ConfirmChannel | null = null;
  /** Wanted consumers; kept across reconnects. */
  private readonly consumers = new Map<string, AmqpConsumer>();
  /** Exchanges asserted (or being asserted) on the current connection. */
  private readonly exchanges = new Map<string, Promise<void>>();
  /** messageIds RabbitMQ returned as unroutable (basic.return arrives before the confirm). */
  private readonly returned = new Set<string>();
  private stopping = false;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private attempts = 0;

  constructor(
    private readonly opts: ResolvedBusOptions & { url: string },
    private readonly logger: BusLogger,
    private readonly connectionName: string,
  ) {}

  declare(): void {
    // Queues are declared in RabbitMQ when the consumer starts.
  }

  /** First connection; if RabbitMQ is unreachable the broker still starts and the bus keeps retrying. */
  async connect(): Promise<void> {
    this.stopping = false;
    try {
      await this.open();
    } catch (err) {
      this.logger.error(`Cannot connect to RabbitMQ ${maskUrl(this.opts.url)}: ${errorText(err)}; retrying`);
      this.scheduleReconnect();
    }
  }

  async publish(channel: string, payload: unknown, opts: SendToChannelOptions = {}): Promise<void> {
    const deadline = Date.now() + this.opts.publishTimeout;
    const exchange = exchangeName(this.opts.prefix, channel);
    const content = encode(payload);
    const now = Date.now();
    const options: Options.Publish = {
      mandatory: true,
      persistent: true,
      contentType: "application/json",
      messageId: opts.messageId ?? newMessageId(),
      timestamp: Math.floor(now / 1000),
      headers: { ...opts.headers, [HEADER.channel]: channel, [HEADER.publishedAt]: now },
    };
    for (;;) {
      const pub = await this.publisher(deadline, channel);
      try {
        await this.assertExchange(pub, exchange);
        await this.confirmPublish(pub, exchange, "", content, deadline, channel, options);
        return;
      } catch (err) {
        // Connection lost before the confirm: publish again (same messageId) once reconnected.
        const type = (err as { type?: string }).type;
        if (type === "CHANNEL_UNROUTABLE" || type === "DURABLE_BUS_TIMEOUT" || this.stopping || Date.now() >= deadline) throw err;
        await sleep(50);
      }
    }
  }

  private assertExchange(pub: ConfirmChannel, exchange: string): Promise<void> {
    let asserted = this.exchanges.get(exchange);
    if (!asserted) {
      asserted = pub.assertExchange(exchange, "fanout", { durable: true }).then(() => undefined);
      this.exchanges.set(exchange, asserted);
      asserted.catch(() => this.exchanges.delete(exchange));
    }
    return asserted;
  }

  async subscribe(sub: Subscription): Promise<void> {
    if (this.consumers.has(sub.id)) return;
    const consumer: AmqpConsumer = { sub, ch: null, tag: null, inFlight: new Set() };
    this.consumers.set(sub.id, consumer);
    // Not connected: the reconnect loop starts it.
    if (this.model) await this.startConsumer(this.model, consumer);
  }

  async unsubscribe(sub: Subscription): Promise<void> {
    const consumer = this.consumers.get(sub.id);
    if (!consumer) return;
    this.consumers.delete(sub.id);
    await this.stopConsumer(consumer);
  }

  async close(): Promise<void> {
    this.stopping = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    await Promise.all([...this.consumers.values()].map((c) => this.stopConsumer(c)));
    this.consumers.clear();
    const { model, pub } = this;
    this.model = null;
    this.pub = null;
    if (pub) await pub.waitForConfirms().catch(() => undefined);
    if (model) await model.close().catch(() => undefined);
  }

  /** checkQueue on a short-lived channel (a missing queue closes that channel with 404, not ours). */
  async depth(queue: string): Promise<number> {
    const model = this.model;
    if (!model) throw busUnavailable("Not connected to RabbitMQ", queue);
    const ch = await model.createChannel();
    let missing = false;
    ch.on("error", (err: unknown) => {
      if ((err as { code?: number }).code === 404) missing = true;
      else this.logger.warn(`RabbitMQ depth check of '${queue}': ${errorText(err)}`);
    });
    try {
      return (await ch.checkQueue(queue)).messageCount;
    } catch (err) {
      if (missing || (err as { code?: number }).code === 404 || /NOT_FOUND/.test(errorText(err))) return 0;
      throw err;
    } finally {
      await ch.close().catch(() => undefined);
    }
  }

  // --- connection ---

  private async open(): Promise<void> {
    const model = await amqplib.connect(this.opts.url, { clientProperties: { connection_name: this.connectionName } });
    model.on("error", (err: unknown) => this.logger.warn(`RabbitMQ connection error: ${errorText(err)}`));
    model.on("close", () => this.onConnectionLost(model));
    try {
      const pub = await model.createConfirmChannel();
      pub.on("error", (err: unknown) => this.logger.error(`RabbitMQ publish channel error: ${errorText(err)}`));
      pub.on("return", (msg: ConsumeMessage) => {
        if (msg.properties.messageId) this.returned.add(String(msg.properties.messageId));
      });
      // A channel-level error kills the channel but not the connection: restart everything.
      pub.on("close", () => {
        if (this.pub === pub && !this.stopping) void model.close().catch(() => undefined);
      });
      this.exchanges.clear();
      this.model = model;
      this.pub = pub;
      this.attempts = 0;
      if (this.stopping) return;
      for (const consumer of this.consumers.values()) await this.startConsumer(model, consumer);
    } catch (err) {
      await model.close().catch(() => undefined);
      throw err;
    }
  }

  private onConnectionLost(model: ChannelModel): void {
    if (this.model !== model) return;
    this.model = null;
    this.pub = null;
    for (const c of this.consumers.values()) {
      c.ch = null;
      c.tag = null;
    }
    if (this.stopping) return;
    this.logger.error("RabbitMQ connection lost; reconnecting (unacked messages will be redelivered)");
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.reconnectTimer) return;
    const delay = Math.min(500 * 2 ** this.attempts++, 10_000);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().then(
        () => this.logger.info("RabbitMQ connection re-established"),
        (err) => {
          this.logger.error(`Reconnect to RabbitMQ failed: ${errorText(err)}`);
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /** Waits for a connection until the publish deadline. */
  private async publisher(deadline: number, channel: string): Promise<ConfirmChannel> {
    for (;;) {
      if (this.stopping) throw busUnavailable("The durable bus is stopped", channel);
      if (this.pub) return this.pub;
      if (Date.now() >= deadline) throw busUnavailable("Not connected to RabbitMQ", channel);
      await sleep(50);
    }
  }

  /** Publishes and resolves once RabbitMQ confirmed it (and did not return it as unroutable). */
  private confirmPublish(
    pub: ConfirmChannel,
    exchange: string,
    routingKey: string,
    content: Buffer,
    deadline: number,
    channel: string,
    options: Options.Publish,
  ): Promise<void> {
    const id = String(options.messageId);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(busUnavailable(`RabbitMQ did not confirm the message within ${this.opts.publishTimeout} ms`, channel, "DURABLE_BUS_TIMEOUT")),
        Math.max(deadline - Date.now(), 1),
      );
      try {
        pub.publish(exchange, routingKey, content, options, (err) => {
          clearTimeout(timer);
          const wasReturned = this.returned.delete(id);
          if (err) reject(busUnavailable(`RabbitMQ rejected the message: ${errorText(err)}`, channel));
          else if (wasReturned) reject(unroutable(channel));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(busUnavailable(`Cannot publish to RabbitMQ: ${errorText(err)}`, channel));
      }
    });
  }

  // --- consumers ---

  private async startConsumer(model: ChannelModel, consumer: AmqpConsumer): Promise<void> {
    const { sub } = consumer;
    const ch = await model.createChannel();
    ch.on("error", (err: unknown) => this.logger.error(`RabbitMQ channel error on '${sub.queue}': ${errorText(err)}`));
    try {
      await ch.assertExchange(sub.exchange, "fanout", { durable: true });
      await ch.assertQueue(sub.queue, { durable: true });
      await ch.bindQueue(sub.queue, sub.exchange, "");
      if (sub.deadLetterQueue) await ch.assertQueue(sub.deadLetterQueue, { durable: true });
      await ch.prefetch(sub.maxInFlight);
      const { consumerTag } = await ch.consume(sub.queue, (msg) => {
        if (!msg) {
          // Cancelled by RabbitMQ (queue deleted): rebuild everything through a reconnect.
          this.logger.error(`RabbitMQ cancelled the consumer of '${sub.queue}'`);
          if (!this.stopping) void model.close().catch(() => undefined);
          return;
        }
        const handling = this.handle(consumer, ch, msg);
        consumer.inFlight.add(handling);
        void handling.finally(() => consumer.inFlight.delete(handling));
      });
      consumer.ch = ch;
      consumer.tag = consumerTag;
    } catch (err) {
      await ch.close().catch(() => undefined);
      throw err;
    }
    // Lost consumer channel on a live connection: restart everything through a reconnect.
    ch.on("close", () => {
      if (consumer.ch === ch && this.model === model && !this.stopping) void model.close().catch(() => undefined);
    });
    this.logger.debug(`Consuming '${sub.queue}' (prefetch ${sub.maxInFlight})`);
  }

  private async stopConsumer(consumer: AmqpConsumer): Promise<void> {
    const { ch, tag } = consumer;
    consumer.ch = null;
    consumer.tag = null;
    if (ch && tag) await ch.cancel(tag).catch(() => undefined);
    if (consumer.inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...consumer.inFlight]),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.opts.drainTimeout))),
      ]);
      clearTimeout(timer);
    }
    if (ch) await ch.close().catch(() => undefined);
  }

  /** Runs the handler, then acks; on failure retries or dead-letters (confirmed) before acking. */
  private async handle(consumer: AmqpConsumer, ch: Channel, msg: ConsumeMessage): Promise<void> {
    const { sub } = consumer;
    const headers: Record<string, unknown> = { ...msg.properties.headers };
    const retries = Number(headers[HEADER.retries] ?? 0) || 0;
    const raw: DurableMessage = {
      messageId: msg.properties.messageId ? String(msg.properties.messageId) : `${msg.fields.consumerTag}:${msg.fields.deliveryTag}`,
      channel: sub.channel,
      group: sub.group,
      headers,
      retries,
      redelivered: msg.fields.redelivered,
      publishedAt: Number(headers[HEADER.publishedAt] ?? 0) || Number(msg.properties.timestamp ?? 0) * 1000,
      amqp: msg,
    };
    let action: "ack" | "retry" | "dead-letter" | "drop" = "ack";
    let failure: unknown;
    try {
      const payload = decode(msg.content);
      try {
        await sub.handler(payload, raw);
      } catch (err) {
        failure = err;
        action = onHandlerFailure(retries, sub.maxRetries, sub.deadLetterQueue);
      }
    } catch (err) {
      // Not JSON: retrying cannot help.
      failure = err;
      action = sub.deadLetterQueue ? "dead-letter" : "drop";
    }

    try {
      if (action === "retry") {
        this.logger.warn(`'${sub.channel}' handler of group '${sub.group}' failed (retry ${retries + 1}/${sub.maxRetries}): ${errorText(failure)}`);
        await sleep(sub.retryDelay);
        await this.republish(msg, sub.queue, { ...headers, [HEADER.retries]: retries + 1 }, sub.channel);
      } else if (action === "dead-letter") {
        this.logger.error(`'${sub.channel}' message ${raw.messageId} failed ${retries + 1} time(s) in group '${sub.group}', moved to '${sub.deadLetterQueue}': ${errorText(failure)}`);
        await this.republish(msg, sub.deadLetterQueue as string, {
          ...headers,
          [HEADER.retries]: retries,
          [HEADER.originalGroup]: sub.group,
          [HEADER.error]: errorText(failure),
          [HEADER.failedAt]: Date.now(),
        }, sub.channel);
      } else if (action === "drop") {
        this.logger.error(`'${sub.channel}' message ${raw.messageId} failed in group '${sub.group}' and is dropped (dead-lettering disabled): ${errorText(failure)}`);
      }
      ch.ack(msg);
    } catch (err) {
      // Could not republish or ack (connection lost): RabbitMQ redelivers the unacked original.
      this.logger.warn(`'${sub.channel}' message ${raw.messageId} left unacked, RabbitMQ will redeliver it: ${errorText(err)}`);
      try {
        ch.nack(msg, false, true);
      } catch {
        // channel already closed: the message is requeued by RabbitMQ
      }
    }
  }

  /** Puts a copy of msg on a queue through the default exchange, confirmed. */
  private async republish(msg: ConsumeMessage, queue: string, headers: Record<string, unknown>, channel: string): Promise<void> {
    const deadline = Date.now() + this.opts.publishTimeout;
    const pub = await this.publisher(deadline, channel);
    await this.confirmPublish(pub, "", queue, msg.content, deadline, channel, {
      persistent: true,
      contentType: msg.properties.contentType ?? "application/json",
      messageId: msg.properties.messageId ?? newMessageId(),
      timestamp: msg.properties.timestamp,
      headers,
    });
  }
}
