import { sseFrame, toLiveMessage } from "../../../lib/live";

describe("live messages from mesh events", () => {
  it("maps a placed quote to a replaceable message with its tick-to-order latency", () => {
    const m = toLiveMessage("mm.quote.placed", { bot: "b1", exchange: "paper", symbol: "BTC/USDT", bid: "99.5", ask: "100.5", tickReceivedAt: 1000, orderAckAt: 1012, secretThing: "x" });
    expect(m).toEqual({ topic: "quote", key: "b1", data: { bot: "b1", exchange: "paper", symbol: "BTC/USDT", bid: "99.5", ask: "100.5", latencyMs: 12, ts: 1012 } });
  });

  it("keys PnL by bot and inventory by bot and asset, keeping decimal strings", () => {
    expect(toLiveMessage("mm.pnl.updated", { bot: "b1", exchange: "paper", symbol: "BTC/USDT", realized: "1.50", unrealized: "-0.25", total: "1.25", drawdown: 0.01, ts: 5 })).toEqual({
      topic: "pnl",
      key: "b1",
      data: { bot: "b1", exchange: "paper", symbol: "BTC/USDT", realized: "1.50", unrealized: "-0.25", total: "1.25", drawdown: 0.01, ts: 5 },
    });
    expect(toLiveMessage("mm.inventory.updated", { bot: "b1", exchange: "paper", asset: "BTC", amount: "0.5", ts: 7 })).toMatchObject({ topic: "inventory", key: "b1|BTC", data: { amount: "0.5" } });
  });

  it("sends each fill and alert (no key) with only the fields it names", () => {
    const fill = toLiveMessage("order.filled", { exchange: "paper", symbol: "BTC/USDT", side: "buy", price: "100", amount: "0.1", cost: "10", fee: { cost: "0.01", currency: "USDT" }, clientOrderId: "mmb1-1", tradeId: "t1", timestamp: 9, orderId: "o", apiKey: "nope" });
    expect(fill).toEqual({
      topic: "fill",
      data: { exchange: "paper", symbol: "BTC/USDT", side: "buy", price: "100", amount: "0.1", cost: "10", clientOrderId: "mmb1-1", tradeId: "t1", fee: "0.01", feeCurrency: "USDT", ts: 9 },
    });
    const alert = toLiveMessage("alert.raised", { alertId: "a", rule: "r", severity: "critical", message: "m", labels: { x: 1 } }, 3);
    expect(alert).toEqual({ topic: "alert", data: { kind: "raised", alertId: "a", rule: "r", severity: "critical", message: "m", ts: 3 } });
    expect(alert!.key).toBeUndefined();
  });

  it("maps bot lifecycle, nodes and breakers", () => {
    expect(toLiveMessage("mm.bot.stopped", { bot: "b1", node: "n1", reason: "paused" }, 1)).toEqual({ topic: "bot", data: { event: "stopped", bot: "b1", node: "n1", reason: "paused", ts: 1 } });
    expect(toLiveMessage("mm.bot.halted", { bot: "b1", reason: "max_drawdown", detail: "d" }, 1)).toMatchObject({ topic: "bot", data: { event: "halted", reason: "max_drawdown" } });
    expect(toLiveMessage("$node.disconnected", { node: { id: "n2" }, unexpected: true }, 1)).toEqual({ topic: "node", key: "n2", data: { node: "n2", available: false, unexpected: true, ts: 1 } });
    expect(toLiveMessage("$circuit-breaker.opened", { nodeID: "n2", action: "cex.ticker" }, 1)).toMatchObject({ topic: "breaker", key: "n2|cex.ticker", data: { state: "opened" } });
  });

  it("keys a backtest's progress by job", () => {
    expect(toLiveMessage("backtest.job.updated", { id: "j1", state: "running", progress: 0.5, events: 10, error: null, strategy: "glft", dataset: "d.jsonl" }, 1)).toEqual({
      topic: "backtest",
      key: "j1",
      data: { id: "j1", state: "running", progress: 0.5, events: 10, error: null, strategy: "glft", dataset: "d.jsonl", ts: 1 },
    });
  });

  it("ignores events it cannot show", () => {
    expect(toLiveMessage("mm.quote.placed", {})).toBeNull();
    expect(toLiveMessage("price.cex.updated", { bid: "1" })).toBeNull();
    expect(toLiveMessage("$node.connected", null)).toBeNull();
  });

  it("writes one SSE frame with one data line", () => {
    expect(sseFrame({ topic: "pnl", key: "b", data: { message: "a\nb" } })).toBe('event: pnl\ndata: {"message":"a\\nb"}\n\n');
  });
});
