/**
 * The cex service's user data stream on the fake Binance (HTTP + WebSocket API) with the real
 * ccxt.pro client: fills reach cex_fills and `order.filled` from the stream without any
 * reconcile; a stream cut and a session the exchange ends are recovered with a REST catch-up;
 * a fill seen by the stream and by REST is booked once; a fill message lost on a healthy
 * socket is booked by the periodic catch-up.
 */
import { ServiceBroker } from "moleculer";
import { QueryTypes } from "sequelize";
import type { UserStreamStatus, WireFill, WireOrder } from "../../lib/cex";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService, { type CexSettings } from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import createMonitoringService, { type MonitoringStatus } from "../../services/monitoring.service";
import { sequelizeOf } from "../../mixins/db.mixin";
import { testEnv } from "../support/env";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig, type FakeBinanceEndpoint } from "../support/fake-binance";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";
const ID = "BTCUSDT";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const until = async (check: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = "condition") => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not met in time`);
    await sleep(20);
  }
};

let seq = 0;
const cid = (tag: string) => `us-${tag}-${Date.now().toString(36)}-${seq++}`;

interface Node {
  broker: ServiceBroker;
  fills: WireFill[];
  updates: WireOrder[];
  balances: Array<{ exchange: string; balances: Record<string, { free: string; used: string; total: string }> }>;
  stop(): Promise<void>;
}

/** config + keys + cex on their own SQLite database, binance pointed at the fake, its key in the keystore. */
async function startNode(ep: FakeBinanceEndpoint, settings: Partial<CexSettings>, withMonitoring = false): Promise<Node> {
  const env = testEnv({ SERVICES: "config,keys,cex", MASTER_KEY: "master-key-for-user-stream-tests" });
  const nodeEnv = { ...env, exchangeOverrides: { binance: { ...fakeBinanceConfig(ep), rateLimit: 5 } } };
  const broker = new ServiceBroker({ ...createBrokerOptions(nodeEnv), logger: process.env.DBG ? { type: "Console", options: { level: "info" } } : false });
  const fills: WireFill[] = [];
  const updates: WireOrder[] = [];
  const balances: Node["balances"] = [];
  broker.createService(createConfigService(nodeEnv));
  broker.createService(createKeysService(nodeEnv));
  broker.createService(createCexService(nodeEnv, { reconcileIntervalMs: 0, ...settings }));
  if (withMonitoring) broker.createService(createMonitoringService(nodeEnv, { servers: [], probeIntervalMs: 0, probeTimeoutMs: 2_000 }));
  broker.createService({
    name: "listener",
    events: {
      "order.filled"(ctx: { params: WireFill }) {
        fills.push(ctx.params);
      },
      "order.updated"(ctx: { params: WireOrder }) {
        updates.push(ctx.params);
      },
      "cex.balance.updated"(ctx: { params: Node["balances"][number] }) {
        balances.push(ctx.params);
      },
    },
  });
  await broker.start();
  await broker.call("keys.add", { id: "binance-main", kind: "cex", payload: { exchange: "binance", apiKey: DEFAULT_ACCOUNT.apiKey, secret: DEFAULT_ACCOUNT.secret }, overwrite: true });
  await broker.call("config.set", { kind: "markets", name: "binance-btc", body: { venue: "binance", kind: "cex", symbol: SYMBOL, keyId: "binance-main" } });
  return {
    broker,
    fills,
    updates,
    balances,
    stop: async () => {
      await broker.stop();
      env.cleanup();
    },
  };
}

const streamStatus = async (node: Node): Promise<UserStreamStatus | undefined> =>
  (await node.broker.call<UserStreamStatus[], object>("cex.userStreams", {})).find((s) => s.exchange === "binance");

const waitUp = (node: Node, minSessions = 1) =>
  until(async () => {
    const s = await streamStatus(node);
    return !!s && s.up && s.sessions >= minSessions;
  }, 20_000, "user stream up");

const fillRows = async (node: Node, clientOrderId: string) =>
  (await sequelizeOf(node.broker.getLocalService("cex")).query("SELECT trade_id, amount FROM cex_fills WHERE client_order_id = ? ORDER BY trade_id", {
    replacements: [clientOrderId],
    type: QueryTypes.SELECT,
  })) as Array<{ trade_id: string; amount: string }>;

const place = (node: Node, clientOrderId: string, side: "buy" | "sell", price: string, amount = "0.01") =>
  node.broker.call<WireOrder, object>("cex.createOrder", { exchange: "binance", symbol: SYMBOL, side, type: "limit", amount, price, clientOrderId });

describe("cex user data stream on the fake Binance", () => {
  const fake = new FakeBinance();
  let ep: FakeBinanceEndpoint;

  beforeAll(async () => {
    ep = await fake.start();
    fake.setBook(ID, { bids: [[50000, 1]], asks: [[50100, 1]] });
  });
  afterAll(async () => {
    await fake.stop();
  });

  describe("with no reconcile and no periodic catch-up", () => {
    let node: Node;
    beforeAll(async () => {
      // No catch-up while the stream is down either: only the reconnect's, so a test's own REST reconcile
      // is what books a fill made during a cut (a slow CI once let the 1 s down catch-up book it first).
      node = await startNode(ep, { userStreamCatchUpMs: 0, userStreamDownCatchUpMs: 600_000 });
      await waitUp(node);
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("books a fill from the stream: order.filled, the cex_fills row and the closed order, without a REST trade or order read", async () => {
      const clientOrderId = cid("stream");
      await place(node, clientOrderId, "buy", "49900");
      await sleep(200); // the placement's own requests are over
      fake.clearRequests();
      const trade = fake.fillOrder(clientOrderId);
      await until(() => node.fills.some((f) => f.clientOrderId === clientOrderId), 5000, "order.filled");
      await until(() => node.updates.some((o) => o.clientOrderId === clientOrderId && o.status === "closed"), 5000, "order.updated closed");
      expect(node.fills.filter((f) => f.clientOrderId === clientOrderId)).toEqual([
        expect.objectContaining({ exchange: "binance", tradeId: String(trade.id), symbol: SYMBOL, side: "buy", amount: "0.01", price: "49900", takerOrMaker: "maker", fee: { cost: "0.00001", currency: "BTC" } }),
      ]);
      expect(await fillRows(node, clientOrderId)).toEqual([{ trade_id: String(trade.id), amount: "0.01" }]);
      expect(fake.requests({ path: /myTrades|openOrders|\/api\/v3\/order$/ })).toEqual([]);
      // The balances moved by the fill come by the stream too (outboundAccountPosition).
      const btc = fake.balances().BTC;
      await until(() => node.balances.some((b) => b.exchange === "binance" && b.balances.BTC?.free === String(Number(btc.free))), 5000, "cex.balance.updated");
    });

    it("books the same fill once when the stream and the REST reconcile both see it", async () => {
      const clientOrderId = cid("both");
      await place(node, clientOrderId, "sell", "50200", "0.02");
      fake.fillOrder(clientOrderId, "0.005");
      await until(async () => (await fillRows(node, clientOrderId)).length === 1, 5000, "stream fill");
      const before = node.fills.filter((f) => f.clientOrderId === clientOrderId).length;
      // A second fill while the stream is cut: REST now owes one, and reads the order's trades,
      // the one the stream booked among them.
      const sessions = (await streamStatus(node))!.sessions;
      fake.cutUserStream(5_000); // longer than the reconcile below takes, even on a loaded machine
      fake.fillOrder(clientOrderId, "0.005");
      fake.clearRequests();
      const result = await node.broker.call<{ fills: number }, object>("cex.reconcile", { exchange: "binance" });
      expect(fake.requests({ path: "/api/v3/myTrades" }).length).toBeGreaterThan(0); // REST did read the trades
      expect(result.fills).toBe(1);
      expect(await fillRows(node, clientOrderId)).toHaveLength(2);
      await waitUp(node, sessions + 1);
      expect(await fillRows(node, clientOrderId)).toHaveLength(2);
      expect(node.fills.filter((f) => f.clientOrderId === clientOrderId)).toHaveLength(before + 1);
      await node.broker.call("cex.cancelOrder", { exchange: "binance", clientOrderId });
    });

    it("recovers a session the exchange ends (eventStreamTerminated) and streams the next fill", async () => {
      const sessions = (await streamStatus(node))!.sessions;
      expect(fake.expireUserStream()).toBe(1);
      await waitUp(node, sessions + 1);
      const clientOrderId = cid("expired");
      await place(node, clientOrderId, "buy", "49800");
      const trade = fake.fillOrder(clientOrderId);
      await until(() => node.fills.some((f) => f.tradeId === String(trade.id) && f.clientOrderId === clientOrderId), 5000, "fill after expiry");
      expect(fake.userStreamSubscriptions()).toBe(1);
    });
  });

  describe("a 10 s stream cut", () => {
    let node: Node;
    beforeAll(async () => {
      // No fast reconcile while down either: what is booked comes from the catch-up after the reconnect.
      node = await startNode(ep, { userStreamCatchUpMs: 0, userStreamDownCatchUpMs: 600_000 }, true);
      await waitUp(node);
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("books the fills made during the cut after the reconnect, each once", async () => {
      const full = cid("cut-full");
      const partial = cid("cut-part");
      await place(node, full, "buy", "49700");
      await place(node, partial, "sell", "50300", "0.02");
      const sessions = (await streamStatus(node))!.sessions;
      fake.cutUserStream(10_000);
      await until(async () => !(await streamStatus(node))!.up, 5000, "stream down");
      await sleep(1000); // the catch-up run when the stream went down is over: the fills below come after it
      const probe = async () => (await node.broker.call<MonitoringStatus, object>("monitoring.status", {})).servers.find((s) => s.name === "userstream:binance");
      expect(await probe()).toMatchObject({ ok: false });
      const t1 = fake.fillOrder(full);
      const t2 = fake.fillOrder(partial, "0.01");
      await sleep(2000);
      expect(node.fills.filter((f) => f.clientOrderId === full || f.clientOrderId === partial)).toEqual([]);
      await waitUp(node, sessions + 1);
      expect(await probe()).toMatchObject({ ok: true });
      await until(() => node.fills.filter((f) => f.clientOrderId === full || f.clientOrderId === partial).length === 2, 10_000, "caught-up fills");
      expect(await fillRows(node, full)).toEqual([{ trade_id: String(t1.id), amount: "0.01" }]);
      expect(await fillRows(node, partial)).toEqual([{ trade_id: String(t2.id), amount: "0.01" }]);
      // The stream is back: the rest of the partial order fills by stream, still once each.
      const t3 = fake.fillOrder(partial);
      await until(async () => (await fillRows(node, partial)).length === 2, 5000, "stream fill after reconnect");
      expect((await fillRows(node, partial)).map((r) => r.trade_id)).toEqual([String(t2.id), String(t3.id)].sort());
      expect(node.fills.filter((f) => f.clientOrderId === full || f.clientOrderId === partial)).toHaveLength(3);
    });
  });

  describe("while the stream is down and orders are open", () => {
    let node: Node;
    beforeAll(async () => {
      node = await startNode(ep, { userStreamCatchUpMs: 0, userStreamDownCatchUpMs: 500 });
      await waitUp(node);
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("catches fills up from REST every half second, before the stream is back", async () => {
      const clientOrderId = cid("down");
      await place(node, clientOrderId, "buy", "49600");
      fake.cutUserStream(8_000);
      await until(async () => !(await streamStatus(node))!.up, 5000, "stream down");
      const trade = fake.fillOrder(clientOrderId);
      await until(() => node.fills.some((f) => f.tradeId === String(trade.id)), 5000, "fill from the fast catch-up");
      expect((await streamStatus(node))!.up).toBe(false);
      await waitUp(node, 2);
      await sleep(500);
      expect(await fillRows(node, clientOrderId)).toHaveLength(1);
      expect(node.fills.filter((f) => f.clientOrderId === clientOrderId)).toHaveLength(1);
    });
  });

  describe("a fill message lost on a healthy socket", () => {
    let node: Node;
    beforeAll(async () => {
      node = await startNode(ep, { userStreamCatchUpMs: 500 });
      await waitUp(node);
    });
    afterAll(async () => {
      await node?.stop();
    });

    it("is booked by the periodic catch-up, even after the order's last fill closed it", async () => {
      const clientOrderId = cid("lost");
      await place(node, clientOrderId, "buy", "49500", "0.02");
      fake.dropNextUserFills(1);
      const lost = fake.fillOrder(clientOrderId, "0.01");
      const kept = fake.fillOrder(clientOrderId);
      expect(fake.userStream.droppedFills).toEqual([expect.objectContaining({ tradeId: lost.id })]);
      await until(async () => (await fillRows(node, clientOrderId)).length === 2, 10_000, "both fills");
      expect((await fillRows(node, clientOrderId)).map((r) => r.trade_id)).toEqual([String(lost.id), String(kept.id)].sort());
      expect(node.fills.filter((f) => f.clientOrderId === clientOrderId)).toHaveLength(2);
    });
  });
});
