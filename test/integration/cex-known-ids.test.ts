/**
 * Paper orders skip the idempotency lookup for clientOrderIds never stored: the order store
 * loads the paper ids of the table into a Bloom filter and asks PostgreSQL only for ids the
 * filter may have seen. Checked on a real PostgreSQL database, counting the SQL sent, then
 * through the cex service across two processes' lifetimes (an id stored by the earlier one
 * stays idempotent).
 */
import { Sequelize, type Model, type ModelStatic } from "sequelize";
import type { ServiceBroker } from "moleculer";
import { OrderStore, type WireOrder } from "../../lib/cex";
import { CEX_FILLS_TABLE, CEX_ORDERS_TABLE, cexFillColumns, cexMigrations, cexOrderColumns } from "../../lib/db/schemas/cex";
import { sequelizeOf } from "../../mixins/db.mixin";
import { createNode } from "../../services";
import { testEnv } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(60_000);

const row = (exchange: string, clientOrderId: string, status = "canceled") => {
  const now = new Date();
  return { exchange, client_order_id: clientOrderId, exchange_order_id: `x-${clientOrderId}`, symbol: "BTC/USDT", side: "buy", type: "limit", price: "30000", amount: "0.001", filled: "0", remaining: "0.001", status, fee_cost: null, fee_currency: null, created_at: now, updated_at: now };
};

describe("OrderStore: known paper clientOrderIds", () => {
  let db: TempDatabase;
  let sequelize: Sequelize;
  let orders: ModelStatic<Model>;
  let fills: ModelStatic<Model>;
  const sql: string[] = [];
  const selects = () => sql.filter((q) => q.includes("SELECT") && q.includes(CEX_ORDERS_TABLE));

  beforeAll(async () => {
    db = await createTempDatabase();
    sequelize = new Sequelize(db.url, { dialect: "postgres", logging: (q) => void sql.push(q) });
    await cexMigrations[0].up(sequelize.getQueryInterface(), sequelize);
    orders = sequelize.define(CEX_ORDERS_TABLE, cexOrderColumns, { tableName: CEX_ORDERS_TABLE, timestamps: false });
    fills = sequelize.define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
    await orders.bulkCreate([...["old-1", "old-2", "old-3", "old-4", "old-5"].map((id) => row("paper", id)), row("binance", "live-1", "open")]);
  });

  afterAll(async () => {
    await sequelize?.close();
    await db?.drop();
  });

  const newStore = () => new OrderStore(orders, fills, { orderUpdated: async () => undefined, fillRecorded: async () => undefined, writeFailed: () => undefined }, { inProcess: ["paper"] });

  it("looks every id up until the known ids are loaded, then only those it may have stored", async () => {
    const store = newStore();
    sql.length = 0;
    expect(await store.findRow("paper", { clientOrderId: "new-1" })).toBeNull();
    expect(selects()).toHaveLength(1); // not loaded yet: the database is asked

    expect(await store.loadKnownIds(2)).toBe(5); // paper rows only, read 2 at a time

    sql.length = 0;
    expect(await store.findRow("paper", { clientOrderId: "new-2" })).toBeNull();
    const found = await store.findRows("paper", ["new-3", "old-2", "new-4"]);
    expect([...found.keys()]).toEqual(["old-2"]);
    expect(found.get("old-2")).toMatchObject({ status: "canceled", exchange_order_id: "x-old-2" });
    expect(selects()).toHaveLength(1); // only the findRows for old-2
    expect(selects()[0]).toContain("old-2");
    expect(selects()[0]).not.toContain("new-3");

    // Only in-process venues use the filter: a live exchange's ids are always looked up.
    sql.length = 0;
    expect(await store.findRow("binance", { clientOrderId: "new-5" })).toBeNull();
    expect(await store.findRow("binance", { clientOrderId: "live-1" })).toMatchObject({ status: "open" });
    expect(selects()).toHaveLength(2);
  });

  it("remembers ids it reserved itself, also after a refused order freed them", async () => {
    const store = newStore();
    await store.loadKnownIds();
    expect(store.reserveInProcess("paper", "new-6", { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "30000" })).toBe(true);
    await store.dropPending("paper", "new-6");
    sql.length = 0;
    expect(await store.findRow("paper", { clientOrderId: "new-6" })).toBeNull();
    expect(selects()).toHaveLength(1); // maybe stored: asked, not assumed new
  });
});

/**
 * Successive cex processes on one PostgreSQL database (hooks registered in the calling describe):
 * `start()` a node once the previous one is `stop()`ped.
 */
function processLifetimes() {
  let db: TempDatabase;
  let broker: ServiceBroker | null = null;
  const envs: Array<{ cleanup(): void }> = [];
  beforeAll(async () => {
    db = await createTempDatabase();
  });
  afterAll(async () => {
    await broker?.stop();
    for (const env of envs) env.cleanup();
    await db?.drop();
  });
  return {
    async start(): Promise<ServiceBroker> {
      const env = testEnv({ SERVICES: "config,cex", DATABASE_URL: db.url });
      envs.push(env);
      broker = createNode(env, { logger: false });
      await broker.start();
      await (broker.getLocalService("cex") as unknown as { knownIdsLoading: Promise<void> }).knownIdsLoading;
      return broker;
    },
    async stop(): Promise<void> {
      await broker?.stop();
      broker = null;
    },
  };
}

describe("cex: a paper clientOrderId stored by an earlier process stays idempotent", () => {
  const lifetimes = processLifetimes();

  it("returns the stored order for a repeated id, refuses the id for a different order, places new ids", async () => {
    let node = await lifetimes.start();
    const first = node;
    const req = { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "30000", clientOrderId: "earlier-1" };
    await first.call("cex.createOrder", req);
    await first.call("cex.cancelOrder", { exchange: "paper", clientOrderId: "earlier-1" });
    const stored = async () => (await sequelizeOf(node.getLocalService("cex")).query("SELECT client_order_id, status FROM cex_orders ORDER BY id", { type: "SELECT" })) as Array<{ client_order_id: string; status: string }>;
    // Written behind the answer: wait for the canceled row before this process ends.
    for (let i = 0; i < 100 && (await stored()).find((r) => r.client_order_id === "earlier-1")?.status !== "canceled"; i++) await new Promise((r) => setTimeout(r, 20));
    await lifetimes.stop();

    node = await lifetimes.start();
    const second = node;
    const again = await second.call<WireOrder, object>("cex.createOrder", req);
    expect(again).toMatchObject({ clientOrderId: "earlier-1", status: "canceled", price: "30000" }); // not placed a second time
    expect(await second.call<WireOrder[], object>("cex.openOrders", { exchange: "paper" })).toEqual([]);
    await expect(second.call("cex.createOrder", { ...req, side: "sell" })).rejects.toMatchObject({ code: 409, type: "CONFLICT" });

    const fresh = await second.call<WireOrder, object>("cex.createOrder", { ...req, clientOrderId: "later-1" });
    expect(fresh).toMatchObject({ clientOrderId: "later-1", status: "open" });
    await second.call("cex.cancelOrder", { exchange: "paper", clientOrderId: "later-1" });
    for (let i = 0; i < 100 && (await stored()).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await stored()).toEqual([
      { client_order_id: "earlier-1", status: "canceled" },
      { client_order_id: "later-1", status: expect.stringMatching(/open|canceled/) },
    ]);
  });
});

describe("cex: a restarted paper venue's fills and order ids do not collide with the previous run's", () => {
  const lifetimes = processLifetimes();

  const run = async (clientOrderId: string) => {
    const broker = await lifetimes.start();
    const book = await broker.call<{ asks: string[][] }, object>("cex.orderBook", { exchange: "paper", symbol: "BTC/USDT" });
    // Crosses the best ask: filled at once by the simulated book.
    const order = await broker.call<WireOrder, object>("cex.createOrder", { exchange: "paper", symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: String(Number(book.asks[0][0]) * 1.01), clientOrderId });
    const sql = sequelizeOf(broker.getLocalService("cex"));
    const fills = async () => (await sql.query("SELECT trade_id, client_order_id FROM cex_fills ORDER BY id", { type: "SELECT" })) as Array<{ trade_id: string; client_order_id: string }>;
    for (let i = 0; i < 100 && !(await fills()).some((f) => f.client_order_id === clientOrderId); i++) await new Promise((r) => setTimeout(r, 20));
    const stored = await fills();
    await lifetimes.stop();
    return { order, fills: stored };
  };

  it("records the second run's fill next to the first run's", async () => {
    const first = await run("restart-a");
    const second = await run("restart-b");
    expect(first.fills.map((f) => f.client_order_id)).toEqual(["restart-a"]);
    expect(second.fills.map((f) => f.client_order_id)).toEqual(["restart-a", "restart-b"]);
    expect(second.fills[0].trade_id).not.toBe(second.fills[1].trade_id);
    expect(second.order.id).not.toBe(first.order.id);
  });
});
