/**
 * How the market-maker service books fills, on PostgreSQL: from the event and from the durable
 * bus, exactly once per trade whatever is delivered twice and by which path, a
 * restart that applies only the fills booked after the bot's snapshot (a fill booked just
 * before a crash included), fills of a bot removed from config still booked under its name,
 * and the migration history kept under "market-maker" while the service is `mm`.
 */
import { ServiceBroker } from "moleculer";
import { Sequelize } from "sequelize";
import { appliedMigrations } from "../../lib/db/migrations";
import type { WireFill } from "../../lib/cex";
import { PositionLedger } from "../../lib/market-maker/accounting";
import { botTag } from "../../lib/market-maker/client-order-id";
import { MarketMakerStore, type BookedFill } from "../../lib/market-maker/store";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createMarketMakerService from "../../services/market-maker.service";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { testEnv } from "../support/env";
import { sleep, until } from "../support/until";

jest.setTimeout(60_000);

interface LiveBot { name: string; state: string; live?: { ledger: { position: string; avgEntryPrice: string; realized: string; feesPaid: string; fills: number } } }
interface PnlRow { bot: string; position: string; realized: string; feesPaid: string; fills: number }

let n = 0;
const wire = (bot: string, side: "buy" | "sell", price: string, amount: string, fee = "0.01"): WireFill => {
  n += 1;
  return {
    exchange: "paper",
    tradeId: `fills-test-${n}`,
    orderId: `o${n}`,
    clientOrderId: `${botTag(bot)}-test-${String(n).padStart(4, "0")}-00000000`,
    symbol: "BTC/USDT",
    side,
    price,
    amount,
    cost: String(Number(price) * Number(amount)),
    takerOrMaker: "maker",
    fee: { cost: fee, currency: "USDT" },
    timestamp: 1_700_000_000_000 + n,
  };
};

describe("market-maker fill booking on PostgreSQL", () => {
  let db: TempDatabase;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let recordFills: jest.SpyInstance;
  let loadLedger: jest.SpyInstance;
  let bus = 0;

  const start = async () => {
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createCexService(env, { reconcileIntervalMs: 0 }));
    broker.createService(createMarketMakerService(env, { leaseTtlMs: 1000, persistIntervalMs: 200 }));
    await broker.start();
  };
  const send = (f: WireFill) => (broker as unknown as { sendToChannel(c: string, p: unknown, o: object): Promise<void> }).sendToChannel("order.filled", f, { messageId: `redelivery-${++bus}` });
  const store = () => (broker.getLocalService("mm") as unknown as { store: MarketMakerStore }).store;
  const bots = async () => ((await broker.call("mm.status")) as { bots: LiveBot[] }).bots;
  const live = async (bot: string) => (await bots()).find((b) => b.name === bot)?.live?.ledger;
  const pnlOf = async (bot: string) => ((await broker.call("mm.pnl")) as { bots: PnlRow[] }).bots.find((b) => b.bot === bot);
  const fills = (bot: string) => broker.call("mm.fills", { bot }) as Promise<BookedFill[]>;
  const strategy = (enabled: boolean) => ({ market: "paper-btc", strategy: "pure_market_making", enabled, params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001" } });
  const fullReplay = async (bot: string) => {
    const ledger = new PositionLedger("BTC", "USDT");
    for (const f of (await fills(bot)).sort((a, b) => a.seq - b.seq)) ledger.apply(f);
    return ledger.snapshot();
  };

  beforeAll(async () => {
    db = await createTempDatabase();
    env = testEnv({ SERVICES: "config,cex,market-maker", DATABASE_URL: db.url });
    recordFills = jest.spyOn(MarketMakerStore.prototype, "recordFill");
    loadLedger = jest.spyOn(MarketMakerStore.prototype, "loadLedger");
    await start();
    await broker.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
    await broker.call("config.set", { kind: "strategies", name: "keep", body: strategy(true) });
    await broker.call("config.set", { kind: "strategies", name: "gone", body: strategy(true) });
    await until("bots running", async () => (await bots()).filter((b) => b.state === "running").length === 2);
  });

  afterAll(async () => {
    recordFills?.mockRestore();
    loadLedger?.mockRestore();
    await broker?.stop();
    await db?.drop();
    env?.cleanup();
  });

  it("books a fill once whatever delivers it, with one insert: the event alone books it (RabbitMQ not needed), the bus's copies stop in memory", async () => {
    const f = wire("keep", "buy", "100", "0.001");
    recordFills.mockClear();
    await broker.emit("order.filled", f);
    await until("booked from the event", async () => (await fills("keep")).length === 1);
    await send(f);
    await send(f); // redelivered by the bus (another messageId: the bus cannot tell)
    await until("booked", async () => (await fills("keep")).length === 1);
    await sleep(300);
    expect(await fills("keep")).toHaveLength(1);
    expect((await live("keep"))?.fills).toBe(1);
    expect((await live("keep"))?.position).toBe("0.001");
    // One insert attempt: no duplicate reached the database.
    expect(recordFills).toHaveBeenCalledTimes(1);
  });

  it("restarts from the snapshot plus only the fills booked after it, to the ledger a full replay gives", async () => {
    for (const f of [wire("keep", "buy", "103", "0.002"), wire("keep", "sell", "110", "0.0015"), wire("keep", "sell", "99", "0.001")]) await send(f);
    await until("4 fills applied", async () => (await live("keep"))?.fills === 4);
    await until("snapshot saved", async () => (await store().getBot("keep"))?.fill_seq === 4);
    // A fill booked by a node that dies before any bot applies it (no broadcast, no snapshot).
    const late = wire("keep", "buy", "101", "0.001");
    await store().recordFill({ bot: "keep", role: "maker", exchange: late.exchange, symbol: late.symbol, clientOrderId: late.clientOrderId, tradeId: late.tradeId, side: "buy", price: late.price, amount: late.amount, feeCost: late.fee.cost, feeCurrency: late.fee.currency, ts: late.timestamp });

    await broker.stop();
    loadLedger.mockClear();
    await start();
    await until("running again", async () => (await live("keep"))?.fills === 5, 15_000);
    const loads = await Promise.all(loadLedger.mock.results.map((r) => r.value as ReturnType<MarketMakerStore["loadLedger"]>));
    const keep = loads.filter((l) => l.replayed.some((f) => f.bot === "keep") || l.seq >= 4);
    expect(keep.map((l) => l.replayed.map((f) => f.tradeId))).toEqual([[late.tradeId]]);
    expect(await live("keep")).toMatchObject(await fullReplay("keep"));

    // After the restart (no memory of what was seen): a redelivered old fill is not booked again,
    // a new one is.
    await send(wire("keep", "sell", "105", "0.001"));
    const first = (await fills("keep")).find((f) => f.seq === 1)!;
    await send({ ...wire("keep", "buy", "1", "1"), tradeId: first.tradeId, price: first.price, amount: first.amount });
    await until("6 fills", async () => (await live("keep"))?.fills === 6);
    await sleep(300);
    expect(await fills("keep")).toHaveLength(6);
    expect(await live("keep")).toMatchObject(await fullReplay("keep"));
  });

  it("keeps PnL history to a point per fill (and one a minute), not one per persist interval", async () => {
    const history = async () => ((await broker.call("mm.pnlHistory", { bot: "keep" })) as unknown[]).length;
    await sleep(400); // a point for what is booked so far
    const before = await history();
    await sleep(1000); // five persist intervals: unrealized PnL moves with the paper market, no fill
    expect(await history()).toBe(before);
    const fillsBefore = (await live("keep"))?.fills ?? 0;
    await send(wire("keep", "buy", "100", "0.001"));
    await until("the fill applied", async () => (await live("keep"))?.fills === fillsBefore + 1);
    await until("a point for the fill", async () => (await history()) === before + 1);
  });

  it("books a removed bot's late fills under its name: visible in mm.fills and mm.pnl", async () => {
    await send(wire("gone", "buy", "100", "0.002", "0"));
    await until("gone's fill", async () => (await live("gone"))?.fills === 1);
    await broker.call("config.remove", { kind: "strategies", name: "gone" });
    await until("gone stopped", async () => (await bots()).find((b) => b.name === "gone")?.state === "stopped");
    // A fill of its last order, after it was removed.
    await send(wire("gone", "sell", "110", "0.001", "0.05"));
    await until("late fill booked", async () => (await fills("gone")).length === 2);
    await until("in its PnL", async () => (await pnlOf("gone"))?.fills === 2);
    expect(await pnlOf("gone")).toMatchObject({ position: "0.001", realized: "-0.04", feesPaid: "0.05", fills: 2 });
  });

  it("keeps the migration history under market-maker, where existing databases have it", async () => {
    const sequelize = new Sequelize(db.url, { logging: false });
    try {
      expect(await appliedMigrations(sequelize, "market-maker")).toEqual(["001-mm-bots-fills-pnl-controls", "002-mm-fill-seq", "003-mm-fill-identity", "004-mm-hedged-seq"]);
      expect(await appliedMigrations(sequelize, "mm")).toEqual([]);
    } finally {
      await sequelize.close();
    }
  });
});

describe("market-maker fill booking in a cluster without AMQP (NATS, in-memory bus per process)", () => {
  let db: TempDatabase;
  const brokers: ServiceBroker[] = [];
  const envs: Array<ReturnType<typeof testEnv>> = [];

  afterAll(async () => {
    for (const b of brokers.reverse()) await b.stop();
    for (const e of envs) e.cleanup();
    await db?.drop();
  });

  it("books from the order.filled event, since the in-memory bus does not cross nodes", async () => {
    db = await createTempDatabase();
    const common = { TRANSPORTER: "nats://127.0.0.1:4222", DATABASE_URL: db.url };
    const venueEnv = testEnv({ ...common, SERVICES: "config,cex" });
    const mmEnv = testEnv({ ...common, SERVICES: "market-maker", NAMESPACE: venueEnv.namespace });
    envs.push(venueEnv, mmEnv);
    const venue = new ServiceBroker({ ...createBrokerOptions(venueEnv), logger: false });
    venue.createService(createConfigService(venueEnv));
    venue.createService(createCexService(venueEnv, { reconcileIntervalMs: 0 }));
    const mm = new ServiceBroker({ ...createBrokerOptions(mmEnv), logger: false });
    mm.createService(createMarketMakerService(mmEnv, { leaseTtlMs: 1000, persistIntervalMs: 200 }));
    brokers.push(venue, mm);
    await venue.start();
    await mm.start();
    await venue.waitForServices(["mm"]); // so the venue's config.changed reaches it
    await mm.waitForServices(["config", "cex"]); // so the sync that config.changed starts can read the documents
    await venue.call("config.set", { kind: "markets", name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
    await venue.call("config.set", { kind: "strategies", name: "far", body: { market: "paper-btc", strategy: "pure_market_making", enabled: true, params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.001" } } });
    const ledger = async () => ((await mm.call("mm.status")) as { bots: LiveBot[] }).bots.find((b) => b.name === "far")?.live?.ledger;
    // Generous: on a loaded CI machine a first start that fails (a call timing out) is retried after 5 s.
    await until("far running", async () => (await ledger()) !== undefined, 30_000).catch(async (err: Error) => {
      throw new Error(`${err.message}; mm.status: ${JSON.stringify(((await mm.call("mm.status")) as { bots: LiveBot[] }).bots)}`);
    });
    const f = wire("far", "buy", "100", "0.001");
    // What cex does: the event, and the bus (which here stays on the venue's process).
    await venue.emit("order.filled", f);
    await (venue as unknown as { sendToChannel(c: string, p: unknown, o: object): Promise<void> }).sendToChannel("order.filled", f, { messageId: f.tradeId }).catch(() => undefined);
    await until("booked", async () => (await ledger())?.fills === 1);
    expect((await mm.call("mm.fills", { bot: "far" })) as unknown[]).toHaveLength(1);
  });
});
