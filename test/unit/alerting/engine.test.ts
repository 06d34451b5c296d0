import { AlertEngine, RuleError, parseSelector, renderMessage, resolveMetricName, resolvingEvent, ruleFromDocument, type AlertRule } from "../../../lib/alerting";

const rule = (over: Partial<AlertRule> & Pick<AlertRule, "name">): AlertRule => ({
  source: "metric",
  subject: "mmesh_drawdown_ratio",
  condition: { op: ">", threshold: 0.1 },
  forMs: 0,
  cooldownMs: 0,
  severity: "critical",
  message: "drawdown {value} over {threshold} on {market}",
  enabled: true,
  ...over,
});

const dd = (value: number, market = "btc") => [{ name: "mmesh_drawdown_ratio", labels: { market }, value }];

describe("alert engine: metric rules", () => {
  it("waits out the for-duration, raises once, dedupes while firing, resolves when cleared", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "dd", forMs: 1000 })], 0);
    expect(e.evaluateMetrics(dd(0.2), 0)).toEqual([]);
    expect(e.active()).toMatchObject([{ status: "pending", raisedAt: null }]);
    expect(e.evaluateMetrics(dd(0.2), 500)).toEqual([]);
    const [raised, ...more] = e.evaluateMetrics(dd(0.25), 1000);
    expect(more).toEqual([]);
    expect(raised).toMatchObject({ kind: "raised", alertId: "dd{market=btc}", severity: "critical", message: "drawdown 0.25 over 0.1 on btc", labels: { market: "btc" }, value: 0.25 });
    expect(raised.messageId).toBe("dd{market=btc}:raised:1000");
    expect(e.evaluateMetrics(dd(0.3), 2000)).toEqual([]); // dedupe
    expect(e.active()).toMatchObject([{ alertId: "dd{market=btc}", status: "firing", occurrences: 2 }]);
    const [resolved] = e.evaluateMetrics(dd(0.05), 3000);
    expect(resolved).toMatchObject({ kind: "resolved", alertId: "dd{market=btc}", reason: "cleared", raisedAt: new Date(1000).toISOString(), resolvedAt: new Date(3000).toISOString() });
    expect(e.active()).toEqual([]);
  });

  it("drops a pending alert whose condition clears before the for-duration", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "dd", forMs: 1000 })], 0);
    e.evaluateMetrics(dd(0.2), 0);
    expect(e.active()).toMatchObject([{ status: "pending" }]);
    expect(e.evaluateMetrics(dd(0.01), 800)).toEqual([]);
    expect(e.active()).toEqual([]);
    expect(e.evaluateMetrics(dd(0.2), 1200)).toEqual([]); // the clock restarted
    expect(e.evaluateMetrics(dd(0.2), 2200)).toHaveLength(1);
  });

  it("keeps one alert per label set and honours the selector's labels", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "dd" }), rule({ name: "eth-only", subject: 'mmesh_drawdown_ratio{market="eth"}' })], 0);
    const out = e.evaluateMetrics([...dd(0.2, "btc"), ...dd(0.3, "eth")], 0);
    expect(out.map((n) => n.alertId).sort()).toEqual(["dd{market=btc}", "dd{market=eth}", "eth-only{market=eth}"]);
  });

  it("does not re-raise during the cool-down after a resolve", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "dd", cooldownMs: 10_000 })], 0);
    expect(e.evaluateMetrics(dd(0.2), 0)).toHaveLength(1);
    expect(e.evaluateMetrics(dd(0.0), 1000)).toMatchObject([{ kind: "resolved" }]);
    expect(e.evaluateMetrics(dd(0.2), 2000)).toEqual([]); // cooling down
    expect(e.evaluateMetrics(dd(0.2), 10_999)).toEqual([]);
    expect(e.evaluateMetrics(dd(0.2), 11_000)).toMatchObject([{ kind: "raised", messageId: "dd{market=btc}:raised:11000" }]);
  });

  it("supports every comparison (balance below a threshold)", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "low", subject: "mmesh_balance", condition: { op: "<", threshold: 100 } })], 0);
    expect(e.evaluateMetrics([{ name: "mmesh_balance", labels: { asset: "USDT" }, value: 150 }], 0)).toEqual([]);
    expect(e.evaluateMetrics([{ name: "mmesh_balance", labels: { asset: "USDT" }, value: 99 }], 1)).toHaveLength(1);
  });

  it("resolves the alerts of a removed or disabled rule, and refuses unusable rules", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "dd" })], 0);
    e.evaluateMetrics(dd(0.2), 0);
    expect(e.upsertRule(rule({ name: "dd", enabled: false }), 5)).toMatchObject([{ kind: "resolved", reason: "rule-removed" }]);
    expect(e.ruleList()).toEqual([]);
    expect(() => e.upsertRule(rule({ name: "bad", condition: undefined }), 0)).toThrow(RuleError);
    expect(() => ruleFromDocument("bad2", { source: "metric", subject: "a b c", condition: { op: ">", threshold: 1 }, severity: "info", message: "x" })).toThrow(/not a metric name/);
  });
});

describe("alert engine: event rules", () => {
  const hedge = rule({ name: "hedge", source: "event", subject: "order.hedge_failed", condition: undefined, cooldownMs: 60_000, message: "hedge failed on {exchange}" });
  const kill = rule({ name: "kill", source: "event", subject: "mm.kill_switch.tripped", condition: undefined, cooldownMs: 30_000, message: "kill switch tripped" });
  const node = rule({ name: "node", source: "event", subject: "$node.disconnected", condition: undefined, cooldownMs: 0, severity: "warning", message: "node {nodeID} down" });

  it("raises on the event, dedupes repeats, resolves after the cool-down of quiet when there is no resolving event", () => {
    const e = new AlertEngine();
    e.setRules([hedge], 0);
    expect(e.eventNames()).toEqual(new Set(["order.hedge_failed"]));
    expect(e.onEvent({ name: "order.hedge_failed", payload: { exchange: "paper", orderId: "1" }, time: 0 })).toMatchObject([
      { kind: "raised", alertId: "hedge{exchange=paper}", message: "hedge failed on paper" },
    ]);
    expect(e.onEvent({ name: "order.hedge_failed", payload: { exchange: "paper" }, time: 30_000 })).toEqual([]);
    expect(e.tick(60_000)).toEqual([]); // last event at 30 s
    expect(e.tick(90_000)).toMatchObject([{ kind: "resolved", reason: "quiet", occurrences: 2 }]);
    expect(e.onEvent({ name: "order.hedge_failed", payload: { exchange: "paper" }, time: 90_001 })).toHaveLength(1);
  });

  it("resolves on the paired event, then cools down", () => {
    const e = new AlertEngine();
    e.setRules([kill], 0);
    expect(e.eventNames()).toEqual(new Set(["mm.kill_switch.tripped", "mm.kill_switch.reset"]));
    expect(e.onEvent({ name: "mm.kill_switch.tripped", payload: { reason: "drawdown" }, time: 0 })).toHaveLength(1);
    expect(e.tick(1_000_000)).toEqual([]); // waits for the reset, not for quiet
    expect(e.onEvent({ name: "mm.kill_switch.reset", payload: {}, time: 1_000_000 })).toMatchObject([{ kind: "resolved", reason: "event" }]);
    expect(e.onEvent({ name: "mm.kill_switch.tripped", payload: {}, time: 1_010_000 })).toEqual([]); // cool-down
    expect(e.onEvent({ name: "mm.kill_switch.tripped", payload: {}, time: 1_030_000 })).toHaveLength(1);
  });

  it("pairs Moleculer's node events by node id", () => {
    const e = new AlertEngine();
    e.setRules([node], 0);
    e.onEvent({ name: "$node.disconnected", payload: { node: { id: "a" }, unexpected: true }, time: 1 });
    e.onEvent({ name: "$node.disconnected", payload: { node: { id: "b" } }, time: 2 });
    expect(e.onEvent({ name: "$node.connected", payload: { node: { id: "a" }, reconnected: true }, time: 3 })).toMatchObject([{ kind: "resolved", alertId: "node{nodeID=a}" }]);
    expect(e.active().map((a) => a.alertId)).toEqual(["node{nodeID=b}"]);
  });

  it("applies an event rule's condition to payload.value", () => {
    const e = new AlertEngine();
    e.setRules([rule({ name: "err", source: "event", subject: "api.error_rate.sampled", condition: { op: ">=", threshold: 0.05 } })], 0);
    expect(e.onEvent({ name: "api.error_rate.sampled", payload: { value: 0.01 }, time: 0 })).toEqual([]);
    expect(e.onEvent({ name: "api.error_rate.sampled", payload: { value: "0.2" }, time: 1 })).toMatchObject([{ kind: "raised", value: 0.2 }]);
  });
});

describe("selectors and messages", () => {
  it("parses metric selectors", () => {
    expect(parseSelector("mmesh_x")).toEqual({ name: "mmesh_x", labels: {} });
    expect(parseSelector('mmesh_x{a="1", b="two"}')).toEqual({ name: "mmesh_x", labels: { a: "1", b: "two" } });
    expect(parseSelector("mmesh x")).toBeNull();
    expect(parseSelector('mmesh_x{a=1}')).toBeNull();
  });

  it("finds resolving events by pair or convention", () => {
    expect(resolvingEvent("$node.disconnected")).toBe("$node.connected");
    expect(resolvingEvent("price.cex.stale")).toBe("price.cex.updated");
    expect(resolvingEvent("feed.x.stale")).toBe("feed.x.fresh");
    expect(resolvingEvent("order.hedge_failed")).toBeNull();
  });

  it("fills placeholders", () => {
    expect(renderMessage("{value}/{threshold} {a} {zz}", { value: 1, threshold: null, labels: { a: "x" } })).toBe("1/n/a x {zz}");
  });
});

describe("alert engine: metric names resolved once per rule", () => {
  const up = (over: Partial<AlertRule> & Pick<AlertRule, "name">) => rule({ condition: { op: "<", threshold: 1 }, message: "{server} down", ...over });
  const REGISTERED = ["os.memory.free", "mmesh.server.up", "moleculer.circuit-breaker.opened.active", "mmesh_test_ratio", "mmesh.test.ratio"];

  it("the Prometheus spelling and the registered name select the same metric, and the registry is read once", () => {
    const e = new AlertEngine();
    e.setRules([up({ name: "shown", subject: 'mmesh_server_up{server="redis"}' }), up({ name: "registered", subject: 'mmesh.server.up{server="redis"}' })], 0);
    let asked = 0;
    const registry = () => (asked++, REGISTERED);
    expect(e.resolveMetrics(registry)).toEqual({ read: new Set(["mmesh.server.up"]), missing: [] });
    expect(e.resolveMetrics(registry).read).toEqual(new Set(["mmesh.server.up"]));
    expect(asked).toBe(1); // resolved once, not per evaluation
    expect(e.metricStatus()).toEqual([
      { rule: "shown", subject: 'mmesh_server_up{server="redis"}', metric: "mmesh.server.up" },
      { rule: "registered", subject: 'mmesh.server.up{server="redis"}', metric: "mmesh.server.up" },
    ]);
    const out = e.evaluateMetrics([{ name: "mmesh.server.up", labels: { server: "redis" }, value: 0 }, { name: "mmesh.server.up", labels: { server: "nats" }, value: 0 }], 0);
    expect(out.map((n) => n.alertId).sort()).toEqual(["registered{server=redis}", "shown{server=redis}"]);
  });

  it("without a registry, resolves against the samples' names the same way", () => {
    const e = new AlertEngine();
    e.setRules([up({ name: "shown", subject: "mmesh_server_up" })], 0);
    expect(e.evaluateMetrics([{ name: "mmesh.server.up", labels: { server: "pg" }, value: 0 }], 0)).toMatchObject([{ kind: "raised", alertId: "shown{server=pg}" }]);
    expect(e.metricStatus()).toMatchObject([{ metric: "mmesh.server.up" }]);
  });

  it("picks the exact registered name first, then the one /metrics shows under that name, independent of registration order", () => {
    expect(resolveMetricName("mmesh_test_ratio", REGISTERED)).toBe("mmesh_test_ratio"); // registered with underscores
    expect(resolveMetricName("mmesh.test.ratio", REGISTERED)).toBe("mmesh.test.ratio");
    expect(resolveMetricName("os_memory_free", REGISTERED)).toBe("os.memory.free");
    expect(resolveMetricName("moleculer_circuit_breaker_opened_active", REGISTERED)).toBe("moleculer.circuit-breaker.opened.active");
    expect(resolveMetricName("mmesh.server_up", REGISTERED)).toBe("mmesh.server.up"); // the same series on /metrics
    expect(resolveMetricName("a_b_c", ["a_b.c", "a.b.c", "a.b_c"])).toBe("a.b.c");
    expect(resolveMetricName("a_b_c", ["a_b.c", "a.b_c"])).toBe("a.b_c");
    expect(resolveMetricName("a_b_c", ["a.b_c", "a_b.c"])).toBe("a.b_c");
    expect(resolveMetricName("mmesh_server_down", REGISTERED)).toBeNull();
  });

  it("a rule naming no registered metric is reported once, evaluates nothing, and resolves when the metric is registered later", () => {
    const e = new AlertEngine();
    e.setRules([up({ name: "late", subject: "mmesh_late_gauge" })], 0);
    const registered = ["os.memory.free"];
    const first = e.resolveMetrics(() => registered);
    expect(first.read).toEqual(new Set());
    expect(first.missing.map((r) => r.name)).toEqual(["late"]);
    expect(e.resolveMetrics(() => registered).missing).toEqual([]); // reported once
    expect(e.metricStatus()).toEqual([{ rule: "late", subject: "mmesh_late_gauge", metric: null }]);
    expect(e.evaluateMetrics([{ name: "os.memory.free", labels: {}, value: 0 }], 0)).toEqual([]);
    registered.push("mmesh.late.gauge");
    expect(e.resolveMetrics(() => registered).read).toEqual(new Set(["mmesh.late.gauge"]));
    expect(e.evaluateMetrics([{ name: "mmesh.late.gauge", labels: {}, value: 0 }], 1)).toMatchObject([{ kind: "raised", alertId: "late" }]);
    // A changed subject is resolved afresh; an unchanged one keeps its metric.
    e.upsertRule(up({ name: "late", subject: "mmesh_late_gauge", severity: "info" }), 2);
    expect(e.metricStatus()[0].metric).toBe("mmesh.late.gauge");
    e.upsertRule(up({ name: "late", subject: "os_memory_free" }), 3);
    expect(e.metricStatus()[0].metric).toBeNull();
    expect(e.resolveMetrics(() => registered).read).toEqual(new Set(["os.memory.free"]));
  });
});
