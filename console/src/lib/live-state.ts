/**
 * What the live stream has told the console, as plain data: the latest quote, PnL and inventory
 * per bot, short PnL and inventory series for the charts, the last fills, alerts and bot events,
 * the kill switch, nodes and breakers. `applyLive` folds one stream event into it; the store
 * wraps it in Svelte state.
 */
export interface Quote {
  bot: string;
  exchange?: string;
  symbol?: string;
  bid: string | null;
  ask: string | null;
  latencyMs: number | null;
  ts: number;
}

export interface Pnl {
  bot: string;
  realized: string;
  unrealized: string;
  total?: string;
  drawdown?: number;
  inventoryRatio?: number | null;
  ts: number;
}

export interface Fill {
  exchange: string;
  symbol: string;
  side: string;
  price: string;
  amount: string;
  cost?: string;
  fee?: string | null;
  feeCurrency?: string | null;
  takerOrMaker?: string | null;
  clientOrderId?: string | null;
  tradeId?: string;
  ts: number;
}

export interface AlertEvent {
  kind: "raised" | "resolved";
  alertId?: string;
  rule?: string;
  severity?: string;
  message?: string;
  ts: number;
}

export interface Series {
  t: number[];
  v: number[];
}

export interface LiveState {
  connected: boolean;
  node: string | null;
  /** Messages received since the page loaded. */
  received: number;
  quotes: Record<string, Quote>;
  /** Tick-to-order latency samples per bot (ms), the last LATENCY_SAMPLES. */
  latency: Record<string, number[]>;
  pnl: Record<string, Pnl>;
  pnlSeries: Record<string, Series>;
  /** `bot` → asset → amount. */
  inventory: Record<string, Record<string, string>>;
  inventorySeries: Record<string, Series>;
  fills: Fill[];
  alerts: AlertEvent[];
  botEvents: Array<{ event: string; bot?: string; reason?: string; ts: number }>;
  killSwitch: { engaged: boolean; reason?: string; at?: string; by?: string | null } | null;
  nodes: Record<string, { available: boolean; ts: number }>;
  breakers: Record<string, { action: string; node: string | null; state: string; ts: number }>;
  arbitrage: Record<string, Record<string, unknown>>;
  /** Backtest jobs' progress by id. */
  backtests: Record<string, { id: string; state: string; progress: number; events: number; error: string | null }>;
}

export const MAX_LIST = 200;
export const MAX_SERIES = 600;
export const LATENCY_SAMPLES = 200;

export function emptyLiveState(): LiveState {
  return { connected: false, node: null, received: 0, quotes: {}, latency: {}, pnl: {}, pnlSeries: {}, inventory: {}, inventorySeries: {}, fills: [], alerts: [], botEvents: [], killSwitch: null, nodes: {}, breakers: {}, arbitrage: {}, backtests: {} };
}

function pushBounded<T>(list: T[], item: T, max: number): void {
  list.unshift(item);
  if (list.length > max) list.length = max;
}

function append(series: Record<string, Series>, key: string, t: number, v: number): void {
  const s = (series[key] ??= { t: [], v: [] });
  s.t.push(t / 1000);
  s.v.push(v);
  if (s.t.length > MAX_SERIES) {
    s.t.splice(0, s.t.length - MAX_SERIES);
    s.v.splice(0, s.v.length - MAX_SERIES);
  }
}

/** Folds one stream event into the state (unknown events are ignored). */
export function applyLive(state: LiveState, event: string, data: Record<string, any>): void {
  state.received += 1;
  switch (event) {
    case "hello":
      state.node = data.node ?? null;
      break;
    case "quote": {
      // A quote event names the side(s) just placed; the other side's last price still rests.
      const prev = state.quotes[data.bot];
      state.quotes[data.bot] = { ...(data as Quote), bid: data.bid ?? prev?.bid ?? null, ask: data.ask ?? prev?.ask ?? null };
      if (typeof data.latencyMs === "number") {
        const samples = (state.latency[data.bot] ??= []);
        samples.push(data.latencyMs);
        if (samples.length > LATENCY_SAMPLES) samples.splice(0, samples.length - LATENCY_SAMPLES);
      }
      break;
    }
    case "pnl":
      state.pnl[data.bot] = data as Pnl;
      if (data.total !== undefined) append(state.pnlSeries, data.bot, data.ts, Number(data.total));
      break;
    case "inventory": {
      const inv = (state.inventory[data.bot] ??= {});
      inv[data.asset] = data.amount;
      append(state.inventorySeries, `${data.bot}|${data.asset}`, data.ts, Number(data.amount));
      break;
    }
    case "fill":
      pushBounded(state.fills, data as Fill, MAX_LIST);
      break;
    case "alert":
      pushBounded(state.alerts, data as AlertEvent, MAX_LIST);
      // The global kill switch is announced as an alert of its own rule.
      if (data.rule === "mm.kill_switch") state.killSwitch = data.kind === "raised" ? { engaged: true, reason: String(data.message ?? "").replace(/^Kill switch engaged: /, "") } : { engaged: false };
      break;
    case "bot":
      pushBounded(state.botEvents, data as LiveState["botEvents"][number], MAX_LIST);
      break;
    case "node":
      state.nodes[data.node] = { available: !!data.available, ts: data.ts };
      break;
    case "breaker":
      state.breakers[`${data.node ?? ""}|${data.action}`] = data as LiveState["breakers"][string];
      break;
    case "arbitrage":
      state.arbitrage[`${data.symbol}|${data.buyVenue}|${data.sellVenue}`] = data;
      break;
    case "backtest":
      state.backtests[data.id] = data as LiveState["backtests"][string];
      break;
    default:
      state.received -= 1;
  }
}

/** Median and 95th percentile of latency samples (ms), or null without any. */
export function latencyStats(samples: number[] | undefined): { p50: number; p95: number; n: number } | null {
  if (!samples || samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: at(0.5), p95: at(0.95), n: sorted.length };
}
