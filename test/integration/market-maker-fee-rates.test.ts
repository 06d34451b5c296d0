/** The bots' fee floor takes the maker fee from the live fee service (paper venue: maker 0.01 %, taker 0.02 %), and survives its absence. */
import type { ServiceBroker } from "moleculer";
import { liveFeeRates, type Call } from "../../lib/market-maker/venues";
import type { MarketRef } from "../../lib/market-maker/bot-spec";
import { createNode } from "../../services";
import { testEnv } from "../support/env";

const MARKET: MarketRef = { name: "paper-btc", kind: "cex", venue: "paper", symbol: "BTC/USDT", base: "BTC", quote: "USDT" };

describe("live fee rates for the strategies", () => {
  let broker: ServiceBroker | null = null;
  afterEach(async () => {
    await broker?.stop();
    broker = null;
  });
  const start = async (services: string): Promise<Call> => {
    broker = createNode(testEnv({ SERVICES: services }), { logger: false });
    await broker.start();
    const b = broker;
    return (action, params, opts) => b.call(action, params, opts);
  };

  it("reads fee.rates", async () => {
    const call = await start("cex,fee");
    const warnings: string[] = [];
    expect(await liveFeeRates(call, MARKET, (m) => warnings.push(m))).toEqual({ makerFee: 0.0001, takerFee: 0.0002 });
    expect(warnings).toEqual([]);
  });

  it("without a fee service: the market's listed fees stay, with a warning", async () => {
    const call = await start("cex");
    const warnings: string[] = [];
    expect(await liveFeeRates(call, MARKET, (m) => warnings.push(m))).toEqual({});
    expect(warnings[0]).toMatch(/fee.rates for paper BTC\/USDT failed .*quoting with the market's listed fees/);
  });
});
