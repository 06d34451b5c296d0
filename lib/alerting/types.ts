/**
 * Types of the alert rule engine (lib/alerting/engine.ts). Rules are the `alerts`
 * config documents (lib/config/kinds.ts); samples and events come from the
 * alerting service, which owns the broker side.
 */
export type Severity = "info" | "warning" | "critical";
export type ComparisonOp = ">" | ">=" | "<" | "<=" | "==" | "!=";

export interface AlertRule {
  /** The config document's name; unique. */
  name: string;
  source: "metric" | "event";
  /**
   * source metric: a metric selector, `name` or `name{label="value",...}` (see selector.ts).
   * source event: the event name, e.g. `mm.kill_switch.tripped`, `$node.disconnected`.
   */
  subject: string;
  /** Required for metric rules; for event rules it tests the payload's numeric `value` field. */
  condition?: { op: ComparisonOp; threshold: number };
  /** Metric rules: the condition must hold this long before the alert fires. */
  forMs: number;
  /** After a resolve, the same alert is not raised again for this long; event rules without a resolving event resolve after this much quiet. */
  cooldownMs: number;
  severity: Severity;
  message: string;
  enabled: boolean;
}

export type Labels = Record<string, string>;

export interface MetricSample {
  name: string;
  labels: Labels;
  value: number;
}

export interface EventSample {
  name: string;
  payload: unknown;
  time: number;
}

/** What goes onto the durable bus as `alert.raised` / `alert.resolved`. */
export interface AlertNotice {
  kind: "raised" | "resolved";
  /** Stable id of the alert instance: `<rule>` or `<rule>{k=v,...}`. */
  alertId: string;
  /** Unique per transition; the durable bus messageId, so a re-send is deduplicated. */
  messageId: string;
  rule: string;
  source: "metric" | "event";
  subject: string;
  severity: Severity;
  /** The rule's message with `{value}`, `{threshold}` and `{label}` placeholders filled in. */
  message: string;
  labels: Labels;
  /** Last value seen (metric rules, or an event's numeric `value`). */
  value: number | null;
  threshold: number | null;
  /** When the condition (or first event) started, ISO. */
  since: string;
  raisedAt: string;
  resolvedAt: string | null;
  /** Why it resolved: the condition cleared, the resolving event arrived, or the quiet period passed. */
  reason?: "cleared" | "event" | "quiet" | "rule-removed";
  /** Events seen while firing (event rules) or samples while firing (metric rules). */
  occurrences: number;
}

/** A firing or pending alert, as `alerting.active` lists it. */
export interface AlertState {
  alertId: string;
  rule: string;
  labels: Labels;
  status: "pending" | "firing";
  severity: Severity;
  message: string;
  value: number | null;
  since: string;
  raisedAt: string | null;
  occurrences: number;
}
