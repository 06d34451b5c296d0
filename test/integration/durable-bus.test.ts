/**
 * Durable bus (mixins/durable-bus.ts) against a real RabbitMQ on loopback
 * (AMQP_URL or amqp://guest:guest@127.0.0.1:5672), plus its in-memory mode.
 *
 * Why not @moleculer/channels 0.1.8 (checked on Moleculer 0.15.2, amqplib 0.10.9):
 * its middleware hooks (serviceCreated / serviceStopping / started / stopped) do fire
 * on 0.15 and a fresh broker consumes fine, but
 *  - sendToChannel publishes on a plain amqplib Channel (no publisher confirms): it
 *    resolves before RabbitMQ has the message;
 *  - a send to a channel no consumer ever declared resolves (message lost) and the
 *    404 closes the adapter's only channel: every later send fails "Channel closed";
 *  - stopping then starting the same broker re-attaches a zombie consumer
 *    (`chan.unsubscribing` stays true): it takes messages without handling or acking
 *    them, and the next broker.stop() waits forever ("Processing 1 active connections").
 * Each needs a patch of the adapter's internals, so the bus is a small amqplib
 * middleware with the same API instead.
 */
import amqplib from "amqplib";
import type { ChannelModel } from "amqplib";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createDurableBus } from "../../mixins/durable-bus";
import type { DurableBusOptions, DurableMessage } from "../../lib/durable-bus/types";

const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const run = Math.random().toString(36).slice(2, 8);
const PREFIX = `test-${run}`;

const brokers: ServiceBroker[] = [];
/** (channel, group) pairs whose exchange / queue / DLQ are deleted at the end. */
const used: Array<[string, string]> = [];
let admin: ChannelModel;

function broker(name: string, services: ServiceSchema[], bus: DurableBusOptions = { url: AMQP_URL }): ServiceBroker {
  const b = new ServiceBroker({ logger: false, nodeID: `${name}-${run}`, middlewares: [createDurableBus({ prefix: PREFIX, ...bus })] });
  services.forEach((s) => b.createService(s));
  brokers.push(b);
  return b;
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting for condition");
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function queueDepth(queue: string): Promise<number> {
  const ch = await admin.createChannel();
  try {
    return (await ch.checkQueue(queue)).messageCount;
  } finally {
    await ch.close();
  }
}

beforeAll(async () => {
  admin = await amqplib.connect(AMQP_URL);
});

afterAll(async () => {
  await Promise.all(brokers.map((b) => b.stop()));
  const ch = await admin.createChannel();
  for (const [channel, group] of used) {
    await ch.deleteQueue(`${PREFIX}.${channel}.${group}`);
    await ch.deleteQueue(`${PREFIX}.${channel}.${group}.DLQ`);
  }
  for (const channel of new Set(used.map(([c]) => c))) await ch.deleteExchange(`${PREFIX}.${channel}`);
  await ch.close();
  await admin.close();
});

describe("durable bus on RabbitMQ", () => {
  test("a consumer stopped while 1,000 messages are sent receives all 1,000 once it starts again", async () => {
    used.push(["order.filled", "notification"]);
    const received: number[] = [];
    const ids = new Set<string>();
    const consumer = broker("consumer", [
      {
        name: "notification",
        channels: {
          "order.filled": {
            async handler(payload: { i: number }, raw: DurableMessage) {
              received.push(payload.i);
              ids.add(raw.messageId);
            },
          },
        },
      },
    ]);
    const producer = broker("producer", []);
    await consumer.start(); // first start declares the group's durable queue
    await producer.start();
    await consumer.stop();

    const t0 = Date.now();
    await Promise.all(Array.from({ length: 1000 }, (_, i) => producer.sendToChannel("order.filled", { i, orderId: `o-${i}`, qty: "0.01" })));
    const sendMs = Date.now() - t0;
    // Every send resolved on a publisher confirm: all 1,000 sit in the durable queue.
    expect(await queueDepth(`${PREFIX}.order.filled.notification`)).toBe(1000);
    expect(received).toHaveLength(0);

    const t1 = Date.now();
    await consumer.start(); // same broker instance, started again
    await waitFor(() => received.length >= 1000);
    const consumeMs = Date.now() - t1;
    await sleep(200); // nothing more arrives
    expect(received).toHaveLength(1000);
    expect(new Set(received).size).toBe(1000);
    expect(ids.size).toBe(1000);
    expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(await queueDepth(`${PREFIX}.order.filled.notification`)).toBe(0); // all acked
    console.log(`durable-bus: 1,000 confirmed sends in ${sendMs} ms; consumer restart + 1,000 handled and acked in ${consumeMs} ms`);

    // A fresh process (new broker, same group) also gets what was sent while nobody ran.
    await consumer.stop();
    await Promise.all(Array.from({ length: 50 }, (_, i) => producer.sendToChannel("order.filled", { i: 1000 + i })));
    const fresh: number[] = [];
    const replacement = broker("consumer-2", [
      { name: "notification", channels: { "order.filled": { handler: (p: { i: number }) => void fresh.push(p.i) } } },
    ]);
    await replacement.start();
    await waitFor(() => fresh.length >= 50);
    expect(new Set(fresh).size).toBe(50);
    await replacement.stop();
  });

  test("a failing handler is retried then processed once; one that always fails ends in the DLQ", async () => {
    used.push(["alert.raised", "flaky"], ["alert.raised", "broken"]);
    const flakyAttempts: number[] = [];
    let flakyDone = 0;
    const brokenAttempts: number[] = [];
    const consumer = broker("retry", [
      {
        name: "flaky",
        channels: {
          "alert.raised": {
            maxRetries: 2,
            retryDelay: 20,
            async handler(_p: unknown, raw: DurableMessage) {
              flakyAttempts.push(raw.retries);
              if (raw.retries < 2) throw new Error(`transient failure ${raw.retries + 1}`);
              flakyDone++;
            },
          },
        },
      },
      {
        name: "broken",
        channels: {
          "alert.raised": {
            maxRetries: 2,
            retryDelay: 10,
            async handler(_p: unknown, raw: DurableMessage) {
              brokenAttempts.push(raw.retries);
              throw new Error("SMTP said no");
            },
          },
        },
      },
    ]);
    await consumer.start();
    await consumer.sendToChannel("alert.raised", { rule: "inventory.skew", severity: "critical" }, { messageId: "alert-1" });

    const dlq = consumer.durableBus.names("alert.raised", "broken").deadLetterQueue;
    expect(dlq).toBe(`${PREFIX}.alert.raised.broken.DLQ`);
    await waitFor(() => flakyDone === 1 && brokenAttempts.length === 3);
    const ch = await admin.createChannel();
    let dead: amqplib.GetMessage | false = false;
    const until = Date.now() + 5000;
    while (!(dead = await ch.get(dlq, { noAck: true })) && Date.now() < until) await sleep(20);
    await sleep(100); // no further attempts
    expect(flakyAttempts).toEqual([0, 1, 2]); // failed twice, succeeded on the 2nd retry
    expect(flakyDone).toBe(1);
    expect(brokenAttempts).toEqual([0, 1, 2]); // 1 attempt + maxRetries 2, then dead-lettered
    expect(dead).not.toBe(false);
    const msg = dead as unknown as amqplib.GetMessage;
    expect(JSON.parse(msg.content.toString())).toEqual({ rule: "inventory.skew", severity: "critical" });
    expect(msg.properties.messageId).toBe("alert-1");
    expect(msg.properties.deliveryMode).toBe(2); // persistent
    expect(msg.properties.headers).toMatchObject({
      "x-mmesh-channel": "alert.raised",
      "x-mmesh-original-group": "broken",
      "x-mmesh-retries": 2,
    });
    expect(String(msg.properties.headers?.["x-mmesh-error"])).toContain("SMTP said no");
    expect(await ch.get(dlq, { noAck: true })).toBe(false); // exactly one dead letter
    await ch.close();
    expect(await queueDepth(`${PREFIX}.alert.raised.flaky`)).toBe(0);
    expect(await queueDepth(`${PREFIX}.alert.raised.broken`)).toBe(0);
    await consumer.stop();
  });

  test("two nodes of one group share the messages; another group gets all of them", async () => {
    used.push(["notification.requested", "notify"], ["notification.requested", "audit"]);
    const handledBy = new Map<number, string[]>();
    const audited: number[] = [];
    const notifier = (node: string): ServiceSchema => ({
      name: "notifier",
      channels: {
        "notification.requested": {
          group: "notify",
          maxInFlight: 5,
          async handler(p: { i: number }) {
            await sleep(1);
            handledBy.set(p.i, [...(handledBy.get(p.i) ?? []), node]);
          },
        },
      },
    });
    const n1 = broker("notify-1", [notifier("n1")]);
    const n2 = broker("notify-2", [notifier("n2")]);
    const auditor = broker("audit", [
      { name: "auditor", channels: { "notification.requested": { group: "audit", handler: (p: { i: number }) => void audited.push(p.i) } } },
    ]);
    const producer = broker("producer-3", []);
    await Promise.all([n1.start(), n2.start(), auditor.start(), producer.start()]);

    const N = 200;
    await Promise.all(Array.from({ length: N }, (_, i) => producer.sendToChannel("notification.requested", { i })));
    await waitFor(() => handledBy.size >= N && audited.length >= N);
    await sleep(100);

    expect(handledBy.size).toBe(N);
    expect([...handledBy.values()].every((nodes) => nodes.length === 1)).toBe(true); // once in total
    const perNode = { n1: 0, n2: 0 } as Record<string, number>;
    for (const [node] of handledBy.values()) perNode[node]++;
    expect(perNode.n1).toBeGreaterThan(0);
    expect(perNode.n2).toBeGreaterThan(0);
    expect(perNode.n1 + perNode.n2).toBe(N);
    expect(audited).toHaveLength(N);
    expect(new Set(audited).size).toBe(N);
    await Promise.all([n1.stop(), n2.stop(), auditor.stop(), producer.stop()]);
  });

  test("durableBus.depth(): N waiting while the consumer is stopped, 0 once it drained; 0 for an unknown queue", async () => {
    used.push(["depth.check", "depthgroup"]);
    const got: number[] = [];
    const consumer = broker("depth-consumer", [
      { name: "depthsvc", channels: { "depth.check": { group: "depthgroup", handler: (p: { i: number }) => void got.push(p.i) } } },
    ]);
    const producer = broker("depth-producer", []);
    await consumer.start();
    await producer.start();
    await consumer.stop();
    expect(await producer.durableBus.depth("depth.check", "depthgroup")).toBe(0);
    const N = 25;
    for (let i = 0; i < N; i++) await producer.sendToChannel("depth.check", { i });
    expect(await producer.durableBus.depth("depth.check", "depthgroup")).toBe(N);
    expect(await queueDepth(`${PREFIX}.depth.check.depthgroup`)).toBe(N);
    // A queue that does not exist is 0 and does not break the bus.
    expect(await producer.durableBus.depth("no.such.channel", "nobody")).toBe(0);
    await consumer.start();
    await waitFor(() => got.length >= N);
    await sleep(100);
    expect(await producer.durableBus.depth("depth.check", "depthgroup")).toBe(0);
    expect(await consumer.durableBus.depth("depth.check", "depthgroup")).toBe(0);
    await expect(producer.sendToChannel("depth.check", { i: N })).resolves.toBeUndefined();
    await waitFor(() => got.length >= N + 1);
    await Promise.all([consumer.stop(), producer.stop()]);
  });

  test("sending to a channel no group is bound to is rejected, not silently lost", async () => {
    const producer = broker("producer-4", []);
    await producer.start();
    used.push(["nobody.listens", "none"]);
    await expect(producer.sendToChannel("nobody.listens", { x: 1 })).rejects.toMatchObject({ type: "CHANNEL_UNROUTABLE" });
    // The bus is still usable afterwards.
    await expect(producer.sendToChannel("nobody.listens", { x: 2 })).rejects.toMatchObject({ type: "CHANNEL_UNROUTABLE" });
    await producer.stop();
  });
});

describe("durable bus in memory (no url)", () => {
  test("same API: delivery to every group, competing consumers, retries, dead letters, restart", async () => {
    const got: Array<[string, number]> = [];
    let attempts = 0;
    const b = broker(
      "memory",
      [
        {
          name: "notification",
          channels: {
            "order.filled": {
              maxRetries: 1,
              retryDelay: 5,
              async handler(p: { i: number }, raw: DurableMessage) {
                if (p.i === 0 && raw.retries === 0) {
                  attempts++;
                  throw new Error("first try fails");
                }
                got.push(["notification", p.i]);
              },
            },
          },
        },
        { name: "audit", channels: { "order.filled": (p: { i: number }) => void got.push(["audit", p.i]) } },
        // Two consumers of one group ("settlement") compete: each message to one of them.
        { name: "settle-a", channels: { "order.filled": { group: "settlement", maxInFlight: 1, handler: (p: { i: number }) => void got.push(["settle-a", p.i]) } } },
        { name: "settle-b", channels: { "order.filled": { group: "settlement", maxInFlight: 1, handler: (p: { i: number }) => void got.push(["settle-b", p.i]) } } },
        {
          name: "pager",
          channels: {
            "alert.raised": {
              maxRetries: 2,
              retryDelay: 1,
              handler() {
                throw new Error("pager down");
              },
            },
          },
        },
      ],
      {},
    );
    expect(b.durableBus.mode).toBe("memory");
    await b.start();

    await Promise.all([0, 1, 2].map((i) => b.sendToChannel("order.filled", { i })));
    await b.sendToChannel("alert.raised", { rule: "x" }, { messageId: "a-1" });
    await waitFor(() => got.length === 9 && b.durableBus.deadLetters(b.durableBus.names("alert.raised", "pager").deadLetterQueue).length === 1);
    expect(attempts).toBe(1);
    const of = (...groups: string[]) => got.filter(([g]) => groups.includes(g)).map(([, i]) => i).sort();
    expect(of("notification")).toEqual([0, 1, 2]);
    expect(of("audit")).toEqual([0, 1, 2]);
    expect(of("settle-a", "settle-b")).toEqual([0, 1, 2]);
    expect(of("settle-a").length).toBeGreaterThan(0);
    expect(of("settle-b").length).toBeGreaterThan(0);
    const [dead] = b.durableBus.deadLetters(`${PREFIX}.alert.raised.pager.DLQ`);
    expect(dead).toMatchObject({ messageId: "a-1", group: "pager", payload: { rule: "x" } });
    expect(dead.headers["x-mmesh-error"]).toContain("pager down");
    await expect(b.sendToChannel("nobody.listens", {})).rejects.toMatchObject({ type: "CHANNEL_UNROUTABLE" });

    // Stopped broker: messages queue up in memory and are delivered on the next start.
    await b.stop();
    await b.sendToChannel("order.filled", { i: 3 });
    await sleep(20);
    expect(got).toHaveLength(9);
    await b.start();
    await waitFor(() => got.length === 12);
    await b.stop();
  });

  test("durableBus.depth() counts the messages queued for a group", async () => {
    const got: number[] = [];
    const b = broker("memory-depth", [{ name: "depthsvc", channels: { "depth.mem": { group: "g", handler: (p: { i: number }) => void got.push(p.i) } } }], {});
    await b.start();
    await b.stop();
    const N = 7;
    for (let i = 0; i < N; i++) await b.sendToChannel("depth.mem", { i });
    expect(await b.durableBus.depth("depth.mem", "g")).toBe(N);
    expect(await b.durableBus.depth("depth.mem", "other")).toBe(0);
    expect(await b.durableBus.depth("unknown", "g")).toBe(0);
    await b.start();
    await waitFor(() => got.length === N);
    expect(await b.durableBus.depth("depth.mem", "g")).toBe(0);
    await b.stop();
  });
});
