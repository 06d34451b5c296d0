/** The demo bot the embedded mode configures on its first start (DEMO_BOT): its market and strategy documents. */
export const DEMO_MARKET = { name: "paper-btc", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } };
export const DEMO_STRATEGY = {
  name: "demo-avellaneda",
  body: {
    market: "paper-btc",
    strategy: "avellaneda_stoikov",
    enabled: true,
    // What the drawdown ratio (mmesh_drawdown_ratio, maxDrawdownPct) is measured on; the drawdown in
    // USDT (mmesh_drawdown_quote) needs none. The paper account holds far more: the demo's stake.
    capital: "10000",
    minRequoteIntervalMs: 250,
    // σ is measured per √horizon (60 s here, ≈ 50 USDT for the paper BTC), so γ is small; the
    // paper account holds ≈ 37.5 % of its value in BTC, the target, so the bot starts near q = 0.
    // q counted in orders with T − t held at 1 (the modes these γ and κ were chosen for). Fee-aware:
    // no quote closer to the mid than the market's maker fee (edgeOverFee 0; the paper market lists a
    // market maker's 0.01 %, lib/paper/defaults.ts), which the simulated takers reach within seconds.
    params: { orderAmount: "0.002", riskAversion: 0.001, orderBookDepthFactor: 0.5, inventoryTargetBasePct: 0.375, volatilityWindow: 20, horizon: "constant", inventoryUnit: "orders", horizonMs: 60_000, orderRefreshTimeMs: 2_000, edgeOverFee: 0 },
  },
};
