/**
 * In-process transport of the durable bus, used when no AMQP URL is configured
 * (the embedded default). Same semantics as the AMQP transport inside one
 * process: a queue per (channel, group) created when the consuming service is
 * created, competing consumers within a group, every group gets every message,
 * retries with delay, then a dead-letter list per group.
 *
 * NOT durable: queued, retrying and dead-lettered messages live in this
 * process's memory and are lost when it exits. A broker that is stopped and
 * started again in the same process keeps and delivers its queued messages.
 */
import { HEADER, decode, encode, errorText, newMessageId, onHandlerFailure, unroutable } from "./topology";
import type { BusTransport, DurableMessage, SendToChannelOptions, Subscription } from "./types";

export interface BusLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

interface QueuedMessage {
  messageId: string;
  channel: string;
  content: Buffer;
  headers: Record<string, unknown>;
  retries: number;
  publishedAt: number;
}

export interface DeadLetter {
  messageId: string;
  channel: string;
  group: string;
  payload: unknown;
  headers: Record<string, unknown>;
}

interface Consumer {
  sub: Subscription;
  inFlight: number;
  onIdle: Array<() => void>;
}

interface MemoryQueue {
  name: string;
  group: string;
  items: QueuedMessage[];
  consumers: Consumer[];
  /** Round-robin cursor over consumers. */
  cursor: number;
}

/** Dead letters kept per DLQ; older ones are discarded beyond this (logged when moved). */
const MAX_DEAD_LETTERS = 10_000;

export class MemoryTransport implements BusTransport {
  readonly mode = "memory" as const;
  /** channel → queue name → queue */
  private readonly channels = new Map<string, Map<string, MemoryQueue>>();
  private readonly consumers = new Map<string, Consumer>();
  private readonly dlq = new Map<string, DeadLetter[]>();
  private readonly retryTimers = new Map<NodeJS.Timeout, { queue: MemoryQueue; msg: QueuedMessage }>();

  constructor(
    private readonly logger: BusLogger,
    private readonly drainTimeout: number,
  ) {}

  declare(sub: Subscription): void {
    this.queueOf(sub);
  }

  async connect(): Promise<void> {}

  /** Messages queued (and waiting for a retry) in a group queue; 0 when no such queue. */
  async depth(queueName: string): Promise<number> {
    let n = 0;
    for (const queues of this.channels.values()) {
      const queue = queues.get(queueName);
      if (queue) n += queue.items.length;
    }
    for (const { queue } of this.retryTimers.values()) if (queue.name === queueName) n++;
    return n;
  }

  async publish(channel: string, payload: unknown, opts: SendToChannelOptions = {}): Promise<void> {
    const queues = this.channels.get(channel);
    if (!queues || queues.size === 0) throw unroutable(channel);
    const publishedAt = Date.now();
    const msg: QueuedMessage = {
      messageId: opts.messageId ?? newMessageId(),
      channel,
      content: encode(payload),
      headers: { ...opts.headers, [HEADER.channel]: channel, [HEADER.publishedAt]: publishedAt },
      retries: 0,
      publishedAt,
    };
    for (const queue of queues.values()) {
      queue.items.push({ ...msg });
      this.pump(queue);
    }
  }

  async subscribe(sub: Subscription): Promise<void> {
    if (this.consumers.has(sub.id)) return;
    const queue = this.queueOf(sub);
    const consumer: Consumer = { sub, inFlight: 0, onIdle: [] };
    this.consumers.set(sub.id, consumer);
    queue.consumers.push(consumer);
    this.pump(queue);
  }

  async unsubscribe(sub: Subscription): Promise<void> {
    const consumer = this.consumers.get(sub.id);
    if (!consumer) return;
    this.consumers.delete(sub.id);
    const queue = this.queueOf(sub);
    queue.consumers = queue.consumers.filter((c) => c !== consumer);
    if (consumer.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((resolve) => consumer.onIdle.push(resolve)),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, this.drainTimeout))),
      ]);
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumers.values()].map((c) => this.unsubscribe(c.sub)));
    // Messages waiting for their retry go back to their queue at once.
    for (const [timer, { queue, msg }] of this.retryTimers) {
      clearTimeout(timer);
      queue.items.push(msg);
    }
    this.retryTimers.clear();
  }

  /** Messages moved to a dead-letter queue (memory mode only; in AMQP mode read the DLQ in RabbitMQ). */
  deadLetters(deadLetterQueue: string): DeadLetter[] {
    return [...(this.dlq.get(deadLetterQueue) ?? [])];
  }

  private queueOf(sub: Subscription): MemoryQueue {
    let queues = this.channels.get(sub.channel);
    if (!queues) this.channels.set(sub.channel, (queues = new Map()));
    let queue = queues.get(sub.queue);
    if (!queue) queues.set(sub.queue, (queue = { name: sub.queue, group: sub.group, items: [], consumers: [], cursor: 0 }));
    return queue;
  }

  /** Hands queued messages to consumers that have room, round-robin. */
  private pump(queue: MemoryQueue): void {
    while (queue.items.length > 0) {
      const consumer = this.nextFreeConsumer(queue);
      if (!consumer) return;
      const msg = queue.items.shift() as QueuedMessage;
      consumer.inFlight++;
      void this.deliver(queue, consumer, msg);
    }
  }

  private nextFreeConsumer(queue: MemoryQueue): Consumer | undefined {
    const n = queue.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = queue.consumers[(queue.cursor + i) % n];
      if (c.inFlight < c.sub.maxInFlight) {
        queue.cursor = (queue.cursor + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  private async deliver(queue: MemoryQueue, consumer: Consumer, msg: QueuedMessage): Promise<void> {
    const { sub } = consumer;
    await Promise.resolve(); // never run a handler inside the producer's call
    try {
      const raw: DurableMessage = {
        messageId: msg.messageId,
        channel: msg.channel,
        group: sub.group,
        headers: { ...msg.headers, [HEADER.retries]: msg.retries },
        retries: msg.retries,
        redelivered: false,
        publishedAt: msg.publishedAt,
      };
      await sub.handler(decode(msg.content), raw);
    } catch (err) {
      this.onFailure(queue, sub, msg, err);
    } finally {
      consumer.inFlight--;
      if (consumer.inFlight === 0) consumer.onIdle.splice(0).forEach((resolve) => resolve());
      this.pump(queue);
    }
  }

  private onFailure(queue: MemoryQueue, sub: Subscription, msg: QueuedMessage, err: unknown): void {
    const action = onHandlerFailure(msg.retries, sub.maxRetries, sub.deadLetterQueue);
    if (action === "retry") {
      this.logger.warn(`'${sub.channel}' handler of group '${sub.group}' failed (retry ${msg.retries + 1}/${sub.maxRetries}): ${errorText(err)}`);
      const retry = { ...msg, retries: msg.retries + 1 };
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        queue.items.push(retry);
        this.pump(queue);
      }, sub.retryDelay);
      this.retryTimers.set(timer, { queue, msg: retry });
    } else if (action === "dead-letter") {
      const dlq = sub.deadLetterQueue as string;
      this.logger.error(`'${sub.channel}' message ${msg.messageId} failed ${msg.retries + 1} time(s) in group '${sub.group}', moved to '${dlq}': ${errorText(err)}`);
      let list = this.dlq.get(dlq);
      if (!list) this.dlq.set(dlq, (list = []));
      list.push({
        messageId: msg.messageId,
        channel: msg.channel,
        group: sub.group,
        payload: decode(msg.content),
        headers: { ...msg.headers, [HEADER.retries]: msg.retries, [HEADER.originalGroup]: sub.group, [HEADER.error]: errorText(err), [HEADER.failedAt]: Date.now() },
      });
      if (list.length > MAX_DEAD_LETTERS) list.shift();
    } else {
      this.logger.error(`'${sub.channel}' message ${msg.messageId} failed ${msg.retries + 1} time(s) in group '${sub.group}' and is dropped (dead-lettering disabled): ${errorText(err)}`);
    }
  }
}
