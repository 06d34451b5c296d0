import { LivenessAnnouncer } from "../../../lib/price-feed/liveness";

const m = (lastMessageAt: number | null, lastPublishedAt: number | null, symbol = "BTC/USDT") => ({ exchange: "binance", symbol, lastMessageAt, lastPublishedAt });

describe("LivenessAnnouncer", () => {
  it("announces a market heard from since its last price update, once per new message", () => {
    const a = new LivenessAnnouncer();
    // messages after the last published top (depth diffs that left the top as it was)
    expect(a.due([m(1_500, 1_000)])).toEqual([{ exchange: "binance", symbol: "BTC/USDT", receivedAt: 1_500 }]);
    // nothing new since: no signal
    expect(a.due([m(1_500, 1_000)])).toEqual([]);
    // a newer message: a new signal
    expect(a.due([m(2_400, 1_000)])).toEqual([{ exchange: "binance", symbol: "BTC/USDT", receivedAt: 2_400 }]);
  });

  it("stays silent when the last message was itself a published update, or when the source is dead", () => {
    const a = new LivenessAnnouncer();
    expect(a.due([m(1_000, 1_000)])).toEqual([]);
    expect(a.due([m(null, null)])).toEqual([]);
    // a dead socket: lastMessageAt does not move
    expect(a.due([m(1_700, 1_000)])).toHaveLength(1);
    expect(a.due([m(1_700, 1_000)])).toEqual([]);
    expect(a.due([m(1_700, 1_000)])).toEqual([]);
  });

  it("keeps markets apart and forgets a removed one", () => {
    const a = new LivenessAnnouncer();
    expect(a.due([m(10, 5, "BTC/USDT"), m(20, 20, "ETH/USDT")]).map((x) => x.symbol)).toEqual(["BTC/USDT"]);
    a.forget("binance", "BTC/USDT");
    expect(a.due([m(10, 5, "BTC/USDT")])).toHaveLength(1);
  });
});
