/** cex.cancelAllAfter's logic (lib/cex/dead-man.ts) on real clients: the paper venue and ccxt classes, no network. */
import ccxt from "ccxt";
import { cancelAllAfter, createExchangeClient, type ExchangeClient } from "../../../lib/cex";
import { createDefaultPaperVenue } from "../../../lib/paper";

const registryOf = (client: ExchangeClient) => ({
  call: <T>(_exchange: string, fn: (c: ExchangeClient, venue: never) => Promise<T>) => fn(client, undefined as never),
});

describe("cancelAllAfter", () => {
  it("arms and disarms the paper venue's switch", async () => {
    const venue = createDefaultPaperVenue({ accounts: { mmesh: { USDT: "1000" } } });
    const client = venue.connect("mmesh") as unknown as ExchangeClient;
    const armed = await cancelAllAfter(registryOf(client), { exchange: "paper", timeoutMs: 5_000 });
    expect(armed).toMatchObject({ exchange: "paper", timeoutMs: 5_000, triggerAt: expect.any(Number) });
    expect(venue.deadMan.deadline("mmesh")).toBe(venue.now() + 5_000);
    expect(await cancelAllAfter(registryOf(client), { exchange: "paper", timeoutMs: 0 })).toMatchObject({ triggerAt: null });
    expect(venue.deadMan.deadline("mmesh")).toBeNull();
  });

  it("refuses with 501 NOT_SUPPORTED where ccxt has no cancelAllOrdersAfter (binance), and goes through where it has (okx)", async () => {
    const binance = createExchangeClient("binance");
    expect(binance.has["cancelAllOrdersAfter"]).toBeFalsy();
    await expect(cancelAllAfter(registryOf(binance), { exchange: "binance", timeoutMs: 10_000 })).rejects.toMatchObject({ code: 501, type: "NOT_SUPPORTED" });
    const okx = new ccxt.okx();
    expect(okx.has["cancelAllOrdersAfter"]).toBe(true);
    const sent: number[] = [];
    (okx as unknown as { cancelAllOrdersAfter: (t: number) => Promise<unknown> }).cancelAllOrdersAfter = async (t) => void sent.push(t);
    await cancelAllAfter(registryOf(okx as unknown as ExchangeClient), { exchange: "okx", timeoutMs: 10_000 });
    expect(sent).toEqual([10_000]);
  });
});
