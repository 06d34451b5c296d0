/** The recorder writes ccxt's numbers as the replay's plain decimal strings, whatever their size. */
import { Recorder } from "../../../lib/backtest/record";

describe("Recorder", () => {
  it("writes books and trades below 1e-7 (and from 1e21) as plain decimal strings", () => {
    const lines: string[] = [];
    const rec = new Recorder("PEPE/USDT", (l) => lines.push(l));
    rec.book(1000, [[1e-8, 2e21]], [[0.000000012345, "3"]], 10);
    rec.trade(2000, "buy", 1.1e-8, 1e21);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { ts: 1000, type: "book", symbol: "PEPE/USDT", bids: [["0.00000001", "2000000000000000000000"]], asks: [["0.000000012345", "3"]] },
      { ts: 2000, type: "trade", symbol: "PEPE/USDT", side: "buy", price: "0.000000011", amount: "1000000000000000000000" },
    ]);
    expect(rec.counts).toEqual({ books: 1, trades: 1 });
  });
});
