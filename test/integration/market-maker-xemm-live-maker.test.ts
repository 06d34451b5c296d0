/**
 * Cross-exchange market making with the maker on a live venue (the fake Binance, real
 * ccxt) and the taker on paper: a maker order filled on the exchange with nobody watching
 * (on a busy account: over 1,000 trades since the order was placed) is found by the bot's
 * next requote, whose cancel Binance answers "Unknown order sent."
 * (-2011). The cex node books the fill from the trade history, the bot hears it as
 * `order.filled` and hedges it on the taker at once (no reconcile involved).
 */
import Decimal from "decimal.js";
import { ServiceBroker } from "moleculer";
import { currentPaperVenue } from "../../lib/cex";
import { botTag } from "../../lib/market-maker/client-order-id";
import { createBrokerOptions } from "../../moleculer.config";
import createCexService from "../../services/cex.service";
import createConfigService from "../../services/config.service";
import createKeysService from "../../services/keys.service";
import createMarketMakerService from "../../services/market-maker.service";
import { until } from "../support/until";
import { testEnv } from "../support/env";
import { DEFAULT_ACCOUNT, FakeBinance, fakeBinanceConfig } from "../support/fake-binance";
import { configureXemmBot } from "../support/xemm";
import { makeAccountTrades } from "../support/fake-binance-history";

jest.setTimeout(60_000);

const SYMBOL = "BTC/USDT";
const BOT = "xemm-live";

interface Fill { role: string; side: string; amount: string; price: string; exchange: string; clientOrderId?: string }

describe("cross-exchange market making: fake Binance maker, paper taker", () => {
  const fake = new FakeBinance();
  const env = testEnv({ SERVICES: "config,keys,cex,market-maker", MASTER_KEY: "master-key-for-xemm-live-tests" });
  let broker: ServiceBroker;
  let feedTimer: NodeJS.Timeout;
  const filledEvents: Array<{ clientOrderId: string | null; exchange: string }> = [];

  const makerOrders = () =>
    fake.orders(DEFAULT_ACCOUNT.apiKey).filter((o) => String(o.clientOrderId).startsWith(`${botTag(BOT)}-`) && ["NEW", "PARTIALLY_FILLED"].includes(o.status as string));
  const fills = async () => (await broker.call("mm.fills", { bot: BOT })) as Fill[];

  beforeAll(async () => {
    const ep = await fake.start();
    fake.setBook("BTCUSDT", { bids: [[1000, 1]], asks: [[200000, 1]] }); // nothing near the bot's quotes: they rest
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    broker.createService(createKeysService(env));
    // Nobody watching: no user-data stream (it would deliver the fill itself, and on a loaded
    // machine did so before the requote) and no periodic reconcile.
    broker.createService(createCexService(env, { reconcileIntervalMs: 0, userStreams: false, exchangeOverrides: { binance: { ...fakeBinanceConfig(ep), rateLimit: 1 } } }));
    broker.createService(createMarketMakerService(env, { leaseTtlMs: 1000, persistIntervalMs: 300 }));
    broker.createService({
      name: "xemm-live-listener",
      events: { "order.filled"(ctx: { params: { clientOrderId: string | null; exchange: string } }) { filledEvents.push(ctx.params); } },
    });
    await broker.start();

    feedTimer = setInterval(() => {
      const now = Date.now();
      const venue = currentPaperVenue();
      if (!venue) return;
      const f = new Decimal(venue.fairPrice(SYMBOL) as string);
      void broker.broadcast("price.cex.updated", { exchange: "paper", symbol: SYMBOL, bid: f.times(0.9999).toFixed(2), ask: f.times(1.0001).toFixed(2), mid: f.toString(), bidSize: "1", askSize: "1", ts: now, receivedAt: now });
      void broker.broadcast("price.cex.updated", { exchange: "binance", symbol: SYMBOL, bid: "1000", ask: "200000", mid: "100500", bidSize: "1", askSize: "1", ts: now, receivedAt: now });
    }, 100);

    await configureXemmBot(broker, BOT, "binance-btc");
  });

  afterAll(async () => {
    clearInterval(feedTimer);
    await broker?.stop();
    await fake.stop();
    env.cleanup();
  });

  it("a maker fill learnt from a cancel answered -2011 reaches the bot and is hedged on the taker", async () => {
    await until("maker quotes on the fake Binance", () => makerOrders().some((o) => o.side === "BUY"), 20_000);
    const bid = makerOrders().find((o) => o.side === "BUY")!;
    makeAccountTrades(fake, 1100); // a busy account: the fill is far past one page of myTrades
    fake.fillOrder(bid.clientOrderId as string); // another trader hits the bid; nothing tells the cex node
    await until("maker and hedge fills booked", async () => {
      const f = await fills();
      return f.some((x) => x.role === "maker") && f.some((x) => x.role === "hedge");
    }, 20_000);

    // The bot's requote cancelled the filled order: Binance answered -2011, the fill came from myTrades.
    const cancels = fake.requests({ method: "DELETE", path: "/api/v3/order" }).filter((r) => r.query.origClientOrderId === bid.clientOrderId || r.query.orderId === String(bid.orderId));
    expect(cancels.length).toBeGreaterThan(0);
    expect(cancels[0].status).toBe(400);
    expect(filledEvents).toContainEqual(expect.objectContaining({ clientOrderId: bid.clientOrderId, exchange: "binance" }));
    const f = await fills();
    expect(f.find((x) => x.role === "maker")).toMatchObject({ side: "buy", exchange: "binance", amount: "0.001", price: new Decimal(bid.price as string).toString() });
    expect(f.find((x) => x.role === "hedge")).toMatchObject({ side: "sell", exchange: "paper" });
  });
});
