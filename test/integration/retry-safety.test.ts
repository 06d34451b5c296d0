/**
 * A call that times out AFTER its write is not repeated unless repeating is safe: on the
 * broker's real options (retry policy on, RequestTimeoutError retryable), with the answer of
 * a write held past the caller's timeout (test/support/late-answer.ts). Config writes and
 * cex orders; the chain writes are in retry-safety-chain.test.ts.
 */
import { Errors, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { SERVICE_FACTORIES } from "../../services";
import { testEnv, uniqueName } from "../support/env";
import { lateAnswer } from "../support/late-answer";

jest.setTimeout(30_000);

type Doc = { version: number; body: Record<string, unknown> | null };

describe("retries only where repeating is safe (config, cex)", () => {
  const env = testEnv({ SERVICES: "config,keys,cex" });
  const late = lateAnswer();
  let broker: ServiceBroker;
  const market = (n: number) => ({ venue: "paper", kind: "cex", symbol: "BTC/USDT", keyId: `key-${n}` });
  const history = (name: string) => broker.call<Doc[], object>("config.history", { kind: "markets", name });

  beforeAll(async () => {
    broker = new ServiceBroker({ ...createBrokerOptions(env, [late.middleware]), logger: false });
    for (const name of env.services) broker.createService(SERVICE_FACTORIES[name](env));
    await broker.start();
  });
  afterAll(async () => {
    await late.drained();
    await broker?.stop();
    env.cleanup();
  });

  it("a config write without a version precondition that times out is written once, not retried", async () => {
    late.hold("config.set", 1_200);
    const call = broker.call("config.set", { kind: "markets", name: "no-precondition", body: market(1) }, { timeout: 600 });
    await expect(call).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(await history("no-precondition")).toHaveLength(1);
    expect(late.runs.get("config.set")).toBe(1);
  });

  it("a config write with expectedVersion that times out is retried and applied exactly once", async () => {
    const first = await broker.call<Doc, object>("config.set", { kind: "markets", name: "guarded", body: market(1), expectedVersion: 0 });
    expect(first.version).toBe(1);
    late.hold("config.set", 1_200);
    const runsBefore = late.runs.get("config.set")!;
    const answer = await broker.call<Doc, object>("config.set", { kind: "markets", name: "guarded", body: market(2), expectedVersion: 1 }, { timeout: 600 });
    expect(late.runs.get("config.set")! - runsBefore).toBeGreaterThan(1); // the retry ran
    expect(answer).toMatchObject({ version: 2, body: market(2) });
    await late.drained();
    const versions = await history("guarded");
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
  });

  it("a late or stale config write is refused with 409 naming expectedVersion, never applied", async () => {
    await broker.call("config.set", { kind: "markets", name: "stale", body: market(1), expectedVersion: 0 });
    await broker.call("config.set", { kind: "markets", name: "stale", body: market(2), expectedVersion: 1 });
    const stale = broker.call("config.set", { kind: "markets", name: "stale", body: market(3), expectedVersion: 1 });
    await expect(stale).rejects.toMatchObject({ code: 409, data: { field: "expectedVersion", version: 2 } });
    const removal = broker.call("config.remove", { kind: "markets", name: "stale", expectedVersion: 1 });
    await expect(removal).rejects.toMatchObject({ code: 409 });
    expect((await history("stale")).map((v) => v.version)).toEqual([2, 1]);
  });

  it("an order create that times out is retried on its clientOrderId and places one order", async () => {
    const clientOrderId = `retry-${Date.now().toString(36)}`;
    const book = await broker.call<{ bids: string[][] }, object>("cex.orderBook", { exchange: "paper", symbol: "BTC/USDT" });
    const price = (Number(book.bids[0][0]) * 0.5).toFixed(2);
    late.hold("cex.createOrder", 1_200);
    const runsBefore = late.runs.get("cex.createOrder") ?? 0;
    const order = await broker.call<{ clientOrderId: string; status: string }, object>(
      "cex.createOrder",
      { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price, clientOrderId },
      { timeout: 600 },
    );
    expect(late.runs.get("cex.createOrder")! - runsBefore).toBeGreaterThan(1);
    expect(order).toMatchObject({ clientOrderId, status: "open" });
    await late.drained();
    const open = await broker.call<Array<{ clientOrderId: string }>, object>("cex.openOrders", { exchange: "paper", symbol: "BTC/USDT" });
    expect(open.filter((o) => o.clientOrderId === clientOrderId)).toHaveLength(1);
    await broker.call("cex.cancelOrder", { exchange: "paper", clientOrderId, symbol: "BTC/USDT" });
  });
});

describe("a call queued past its caller's timeout is not run late", () => {
  const env = testEnv({ SERVICES: "config" });
  const late = lateAnswer();
  let broker: ServiceBroker;

  beforeAll(async () => {
    // One call at a time, so that a second call waits in the bulkhead's queue.
    broker = new ServiceBroker({ ...createBrokerOptions(env, [late.middleware]), bulkhead: { enabled: true, concurrency: 1, maxQueueSize: 10 }, logger: false });
    broker.createService(SERVICE_FACTORIES.config(env));
    await broker.start();
  });
  afterAll(async () => {
    await late.drained();
    await broker?.stop();
    env.cleanup();
  });

  it("a config write whose caller timed out in the bulkhead queue is skipped, not applied when a slot frees", async () => {
    const body = (keyId: string) => ({ venue: "paper", kind: "cex", symbol: "BTC/USDT", keyId });
    late.hold("config.set", 2_000);
    const first = broker.call("config.set", { kind: "markets", name: "queued", body: body("first") });
    const queued = broker.call("config.set", { kind: "markets", name: "queued", body: body("second") }, { timeout: 150 });
    await expect(queued).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await first;
    // One slot, first in first out: once a third write is done, the queued one has run or been skipped.
    await broker.call("config.set", { kind: "markets", name: "queued", body: body("third") });
    const history = await broker.call<Doc[], object>("config.history", { kind: "markets", name: "queued" });
    expect(history.map((d) => d.body?.keyId)).toEqual(["third", "first"]);
  });
});

describe("the caller's node decides from the remote action's declaration (over NATS)", () => {
  const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
  const namespace = uniqueName("retry");
  const serverEnv = testEnv({ SERVICES: "config", TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: uniqueName("config-node") });
  const callerEnv = testEnv({ SERVICES: "api", TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: uniqueName("caller-node") });
  const late = lateAnswer();
  let server: ServiceBroker;
  let caller: ServiceBroker;

  beforeAll(async () => {
    server = new ServiceBroker({ ...createBrokerOptions(serverEnv, [late.middleware]), logger: false });
    server.createService(SERVICE_FACTORIES.config(serverEnv));
    caller = new ServiceBroker({ ...createBrokerOptions(callerEnv), logger: false });
    await Promise.all([server.start(), caller.start()]);
    await caller.waitForServices(["config"], 10_000);
  });
  afterAll(async () => {
    await late.drained();
    await Promise.all([caller?.stop(), server?.stop()]);
    serverEnv.cleanup();
    callerEnv.cleanup();
  });

  it("a remote write without its key is not retried; with it, it is retried and applied once", async () => {
    const body = (keyId: string) => ({ venue: "paper", kind: "cex", symbol: "BTC/USDT", keyId });
    late.hold("config.set", 1_200);
    await expect(caller.call("config.set", { kind: "markets", name: "remote", body: body("a") }, { timeout: 600 })).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(late.runs.get("config.set")).toBe(1);
    late.hold("config.set", 1_200);
    const applied = await caller.call<Doc, object>("config.set", { kind: "markets", name: "remote", body: body("b"), expectedVersion: 1 }, { timeout: 600 });
    expect(applied.version).toBe(2);
    expect(late.runs.get("config.set")).toBeGreaterThan(2);
    await late.drained();
    expect((await caller.call<Doc[], object>("config.history", { kind: "markets", name: "remote" })).map((d) => d.version)).toEqual([2, 1]);
  });
});
