/**
 * How alert rules name metrics and read events.
 *
 * Metric rules: `subject` is a selector over the broker's metric registry,
 *   `name`                       every series of the gauge/counter `name`, one alert per label set;
 *   `name{label="v",other="w"}`  only the series whose labels include those values.
 * e.g. `mmesh_drawdown_ratio`, `mmesh_balance{exchange="paper",asset="USDT"}`.
 * `name` may be spelled as Prometheus' /metrics shows it (`mmesh_drawdown_ratio`) or as the
 * metric is registered in Moleculer (`mmesh.drawdown.ratio`); `resolveMetricName` maps it to
 * the registered name, which the engine does once per rule.
 *
 * Event rules: `subject` is the event name. The event's labels (which alert instance
 * it belongs to) are taken from its payload: the string/number fields in LABEL_KEYS,
 * plus `node.id` as `nodeID` (Moleculer's `$node.*` events). A numeric `value` field
 * is what an event rule's optional condition tests.
 */
import type { ComparisonOp, Labels } from "./types";

export interface MetricSelector {
  name: string;
  labels: Labels;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:.]*$/;
const LABEL_RE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"([^"]*)"\s*(,|$)/y;

/** Parses a metric selector; null when it is malformed. */
export function parseSelector(subject: string): MetricSelector | null {
  const open = subject.indexOf("{");
  const name = (open === -1 ? subject : subject.slice(0, open)).trim();
  if (!NAME_RE.test(name)) return null;
  const labels: Labels = {};
  if (open !== -1) {
    if (!subject.endsWith("}")) return null;
    const body = subject.slice(open + 1, -1);
    LABEL_RE.lastIndex = 0;
    while (LABEL_RE.lastIndex < body.length) {
      const start = LABEL_RE.lastIndex;
      const m = LABEL_RE.exec(body);
      if (!m || LABEL_RE.lastIndex === start) return body.slice(start).trim() === "" ? { name, labels } : null;
      labels[m[1]] = m[2];
    }
  }
  return { name, labels };
}

/** How Moleculer's Prometheus reporter shows a registered metric name: `.` and `-` become `_`. */
export function exposedName(name: string): string {
  return name.replace(/[.-]/g, "_");
}

/**
 * The registered metric a rule's metric name means, null when none is registered:
 *   1. the metric registered under exactly that name (`mmesh.server.up`; also `queue_fill_ratio`
 *      when it was registered with underscores);
 *   2. else the metric Prometheus shows under the same name (`mmesh_drawdown_ratio` → `mmesh.drawdown.ratio`,
 *      `moleculer_circuit_breaker_opened_active` → `moleculer.circuit-breaker.opened.active`).
 *      Should several show the same (`a.b_c` and `a_b.c`), the all-dots spelling wins, else the
 *      first in code-unit order: the answer never depends on registration order.
 */
export function resolveMetricName(name: string, registered: Iterable<string>): string | null {
  const shown = exposedName(name);
  const dotted = shown.replace(/_/g, ".");
  let best: string | null = null;
  for (const candidate of registered) {
    if (candidate === name) return candidate;
    if (exposedName(candidate) !== shown) continue;
    if (best === null || candidate === dotted || (best !== dotted && candidate < best)) best = candidate;
  }
  return best;
}

export function labelsMatch(selector: Labels, labels: Labels): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** `rule` or `rule{a=1,b=2}` with keys sorted: the identity of one alert instance. */
export function alertId(rule: string, labels: Labels): string {
  const keys = Object.keys(labels).sort();
  return keys.length === 0 ? rule : `${rule}{${keys.map((k) => `${k}=${labels[k]}`).join(",")}}`;
}

export const LABEL_KEYS = ["nodeID", "service", "exchange", "venue", "market", "symbol", "asset", "account", "strategy", "bot"] as const;

export function eventLabels(payload: unknown): Labels {
  const labels: Labels = {};
  if (!payload || typeof payload !== "object") return labels;
  const p = payload as Record<string, unknown>;
  for (const key of LABEL_KEYS) {
    const v = p[key];
    if (typeof v === "string" || (typeof v === "number" && Number.isFinite(v))) labels[key] = String(v);
  }
  const node = p.node as { id?: unknown } | undefined;
  if (labels.nodeID === undefined && node && typeof node === "object" && typeof node.id === "string") labels.nodeID = node.id;
  return labels;
}

export function eventValue(payload: unknown): number | null {
  if (!payload || typeof payload !== "object") return null;
  const v = (payload as Record<string, unknown>).value;
  const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : null;
}

export function compare(value: number, op: ComparisonOp, threshold: number): boolean {
  switch (op) {
    case ">":
      return value > threshold;
    case ">=":
      return value >= threshold;
    case "<":
      return value < threshold;
    case "<=":
      return value <= threshold;
    case "==":
      return value === threshold;
    case "!=":
      return value !== threshold;
  }
}

/**
 * The event that resolves an event rule's alert. Explicit pairs first, then the
 * naming convention `<x>.tripped`→`<x>.reset`, `<x>.stale`→`<x>.fresh`,
 * `<x>.disconnected`→`<x>.connected`, `<x>.down`→`<x>.up`. Anything else (e.g.
 * `order.hedge_failed`) has no resolving event and resolves after `cooldownMs` of quiet.
 */
export const RESOLVING_EVENTS: Record<string, string> = {
  "$node.disconnected": "$node.connected",
  "mm.kill_switch.tripped": "mm.kill_switch.reset",
  "price.cex.stale": "price.cex.updated",
  "price.dex.stale": "price.dex.updated",
};

export function resolvingEvent(subject: string): string | null {
  if (RESOLVING_EVENTS[subject]) return RESOLVING_EVENTS[subject];
  const conventions: Array<[string, string]> = [[".tripped", ".reset"], [".stale", ".fresh"], [".disconnected", ".connected"], [".down", ".up"]];
  for (const [suffix, pair] of conventions) if (subject.endsWith(suffix)) return subject.slice(0, -suffix.length) + pair;
  return null;
}

/** Fills `{value}`, `{threshold}` and `{<label>}` in a rule's message; unknown placeholders stay. */
export function renderMessage(template: string, vars: { value: number | null; threshold: number | null; labels: Labels }): string {
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (whole, key: string) => {
    if (key === "value") return vars.value === null ? "n/a" : String(vars.value);
    if (key === "threshold") return vars.threshold === null ? "n/a" : String(vars.threshold);
    return vars.labels[key] ?? whole;
  });
}
