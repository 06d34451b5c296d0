/**
 * The alert rule engine: pure, no broker, time passed in.
 *
 * One state machine per (rule, label set) — an "alert instance", id `rule{labels}`:
 *
 * Metric rules (source "metric"), fed with `evaluateMetrics(samples, now)`:
 *   idle ──condition true──▶ pending ──held forMs (and past the cool-down)──▶ firing: RAISED once
 *   pending ──condition false──▶ idle (nothing sent)
 *   firing ──condition true──▶ firing (deduplicated: nothing sent, occurrences+1)
 *   firing ──condition false──▶ idle: RESOLVED; no new raise for cooldownMs
 *   A series absent from a batch keeps its state (no data is not "cleared").
 *
 * Event rules (source "event"), fed with `onEvent(event)`:
 *   an event named `subject` (passing the optional condition on payload.value) raises once;
 *   repeats while firing are deduplicated. It resolves on the rule's resolving event
 *   (selector.ts `resolvingEvent`, e.g. `$node.connected` for `$node.disconnected`) whose
 *   labels agree, followed by a cool-down of cooldownMs; a rule with no resolving event
 *   resolves when no repeat arrived for cooldownMs (`tick(now)`), with no further cool-down.
 *   forMs does not apply to event rules.
 *
 * Removing or disabling a rule resolves its firing alerts (reason "rule-removed").
 *
 * A metric rule's name is resolved once to the registered metric it means
 * (selector.ts `resolveMetricName`: `mmesh_server_up` and `mmesh.server.up` both mean
 * the metric registered as `mmesh.server.up`) and kept until the rule's subject changes:
 * by `resolveMetrics(registry names)`, or else against the sample names of an
 * evaluation. Until then the rule has no metric ("no such metric"; `metricStatus()`).
 */
import { alertId, compare, eventLabels, eventValue, labelsMatch, parseSelector, renderMessage, resolveMetricName, resolvingEvent, type MetricSelector } from "./selector";
import type { AlertNotice, AlertRule, AlertState, EventSample, Labels, MetricSample } from "./types";

interface Instance {
  id: string;
  labels: Labels;
  status: "idle" | "pending" | "firing";
  since: number | null;
  raisedAt: number | null;
  lastSeen: number;
  cooldownUntil: number;
  value: number | null;
  occurrences: number;
}

interface LoadedRule {
  rule: AlertRule;
  selector: MetricSelector | null;
  /** The registered metric the selector's name resolved to; null until found. */
  metric: string | null;
  /** "No such metric" was reported (once per rule, see resolveMetrics). */
  missingReported: boolean;
  resolvedBy: string | null;
  instances: Map<string, Instance>;
}

export class RuleError extends Error {
  constructor(public readonly rule: string, detail: string) {
    super(`Alert rule ${rule}: ${detail}`);
    this.name = "RuleError";
  }
}

/** Checks what the config schema cannot: a metric rule needs a condition and a valid selector. */
export function checkRule(rule: AlertRule): void {
  if (rule.source === "metric") {
    if (!rule.condition) throw new RuleError(rule.name, "a metric rule needs a condition {op, threshold}");
    if (!parseSelector(rule.subject)) throw new RuleError(rule.name, `subject "${rule.subject}" is not a metric name or name{label="value"} selector`);
  }
}

/** An `alerts` config document (name + body) as a rule; throws RuleError when unusable. */
export function ruleFromDocument(name: string, body: Record<string, unknown>): AlertRule {
  const rule: AlertRule = {
    name,
    source: body.source === "metric" ? "metric" : "event",
    subject: String(body.subject ?? ""),
    condition: body.condition as AlertRule["condition"],
    forMs: Number(body.forMs ?? 0),
    cooldownMs: Number(body.cooldownMs ?? 300_000),
    severity: (body.severity as AlertRule["severity"]) ?? "warning",
    message: String(body.message ?? name),
    enabled: body.enabled !== false,
  };
  checkRule(rule);
  return rule;
}

const iso = (t: number) => new Date(t).toISOString();

export class AlertEngine {
  private readonly rules = new Map<string, LoadedRule>();

  /** Replaces every rule. Alerts of rules that are gone or disabled are resolved. */
  setRules(rules: AlertRule[], now: number): AlertNotice[] {
    const notices: AlertNotice[] = [];
    const names = new Set(rules.map((r) => r.name));
    for (const name of [...this.rules.keys()]) if (!names.has(name)) notices.push(...this.removeRule(name, now));
    for (const rule of rules) notices.push(...this.upsertRule(rule, now));
    return notices;
  }

  /** Adds or changes one rule. A changed rule keeps its firing alerts unless its source/subject changed or it was disabled. */
  upsertRule(rule: AlertRule, now: number): AlertNotice[] {
    checkRule(rule);
    const old = this.rules.get(rule.name);
    if (!rule.enabled) return old ? this.removeRule(rule.name, now) : [];
    let notices: AlertNotice[] = [];
    let instances = new Map<string, Instance>();
    const same = old !== undefined && old.rule.source === rule.source && old.rule.subject === rule.subject;
    if (old) {
      if (same) instances = old.instances;
      else notices = this.removeRule(rule.name, now);
    }
    this.rules.set(rule.name, {
      rule,
      selector: rule.source === "metric" ? parseSelector(rule.subject) : null,
      metric: same ? old.metric : null,
      missingReported: same ? old.missingReported : false,
      resolvedBy: rule.source === "event" ? resolvingEvent(rule.subject) : null,
      instances,
    });
    return notices;
  }

  removeRule(name: string, now: number): AlertNotice[] {
    const loaded = this.rules.get(name);
    if (!loaded) return [];
    this.rules.delete(name);
    const notices: AlertNotice[] = [];
    for (const inst of loaded.instances.values()) if (inst.status === "firing") notices.push(this.resolve(loaded, inst, now, "rule-removed"));
    return notices;
  }

  ruleList(): AlertRule[] {
    return [...this.rules.values()].map((l) => l.rule);
  }

  /**
   * Resolves the metric rules not resolved yet against the registered metric names
   * (asked for only when some rule needs them) and returns the registered names the
   * rules read, plus the rules newly found naming no registered metric (each rule is
   * reported once; it is tried again on every call until its metric appears).
   */
  resolveMetrics(registered: () => Iterable<string>): { read: Set<string>; missing: AlertRule[] } {
    const read = new Set<string>();
    const missing: AlertRule[] = [];
    let names: string[] | null = null;
    for (const loaded of this.rules.values()) {
      if (!loaded.selector) continue;
      if (loaded.metric === null) {
        names ??= [...registered()];
        loaded.metric = resolveMetricName(loaded.selector.name, names);
      }
      if (loaded.metric !== null) read.add(loaded.metric);
      else if (!loaded.missingReported) {
        loaded.missingReported = true;
        missing.push(loaded.rule);
      }
    }
    return { read, missing };
  }

  /** Each metric rule with the registered metric it reads, null while no such metric is known. */
  metricStatus(): Array<{ rule: string; subject: string; metric: string | null }> {
    const out: Array<{ rule: string; subject: string; metric: string | null }> = [];
    for (const l of this.rules.values()) if (l.selector) out.push({ rule: l.rule.name, subject: l.rule.subject, metric: l.metric });
    return out;
  }

  /** Event names that raise or resolve an alert. */
  eventNames(): Set<string> {
    const out = new Set<string>();
    for (const l of this.rules.values()) {
      if (l.rule.source !== "event") continue;
      out.add(l.rule.subject);
      if (l.resolvedBy) out.add(l.resolvedBy);
    }
    return out;
  }

  /** One evaluation round of the metric rules over the current values (samples named as registered). */
  evaluateMetrics(samples: MetricSample[], now: number): AlertNotice[] {
    const notices: AlertNotice[] = [];
    let sampleNames: Set<string> | null = null;
    for (const loaded of this.rules.values()) {
      const { rule, selector } = loaded;
      if (!selector || !rule.condition) continue;
      if (loaded.metric === null) loaded.metric = resolveMetricName(selector.name, (sampleNames ??= new Set(samples.map((s) => s.name))));
      if (loaded.metric === null) continue;
      for (const sample of samples) {
        if (sample.name !== loaded.metric || !labelsMatch(selector.labels, sample.labels) || !Number.isFinite(sample.value)) continue;
        const inst = this.instance(loaded, sample.labels);
        inst.value = sample.value;
        inst.lastSeen = now;
        const holds = compare(sample.value, rule.condition.op, rule.condition.threshold);
        if (holds) {
          if (inst.status === "firing") {
            inst.occurrences++;
            continue;
          }
          if (inst.status === "idle") {
            inst.status = "pending";
            inst.since = now;
          }
          if (now - (inst.since as number) >= rule.forMs && now >= inst.cooldownUntil) notices.push(this.raise(loaded, inst, now));
        } else if (inst.status === "firing") {
          notices.push(this.resolve(loaded, inst, now, "cleared"));
          inst.cooldownUntil = now + rule.cooldownMs;
        } else if (inst.status === "pending") {
          this.reset(inst);
        }
      }
    }
    return notices;
  }

  onEvent(event: EventSample): AlertNotice[] {
    const notices: AlertNotice[] = [];
    const now = event.time;
    let labels: Labels | null = null;
    for (const loaded of this.rules.values()) {
      const { rule } = loaded;
      if (rule.source !== "event") continue;
      if (rule.subject === event.name) {
        labels ??= eventLabels(event.payload);
        const value = eventValue(event.payload);
        if (rule.condition && (value === null || !compare(value, rule.condition.op, rule.condition.threshold))) continue;
        const inst = this.instance(loaded, labels);
        inst.value = value;
        inst.lastSeen = now;
        if (inst.status === "firing") {
          inst.occurrences++;
        } else if (now >= inst.cooldownUntil) {
          inst.since = now;
          notices.push(this.raise(loaded, inst, now));
        }
      } else if (loaded.resolvedBy === event.name) {
        labels ??= eventLabels(event.payload);
        for (const inst of loaded.instances.values()) {
          if (inst.status !== "firing" || !agree(inst.labels, labels)) continue;
          notices.push(this.resolve(loaded, inst, now, "event"));
          inst.cooldownUntil = now + rule.cooldownMs;
        }
      }
    }
    return notices;
  }

  /** Time passing: event alerts with no resolving event resolve after cooldownMs of quiet. */
  tick(now: number): AlertNotice[] {
    const notices: AlertNotice[] = [];
    for (const loaded of this.rules.values()) {
      if (loaded.rule.source !== "event" || loaded.resolvedBy) continue;
      for (const inst of loaded.instances.values()) {
        if (inst.status === "firing" && now - inst.lastSeen >= loaded.rule.cooldownMs) notices.push(this.resolve(loaded, inst, now, "quiet"));
      }
    }
    return notices;
  }

  /** Pending and firing alerts, firing first, most severe first. */
  active(): AlertState[] {
    const rank = { critical: 0, warning: 1, info: 2 } as const;
    const out: AlertState[] = [];
    for (const { rule, instances } of this.rules.values()) {
      for (const inst of instances.values()) {
        if (inst.status === "idle") continue;
        out.push({
          alertId: inst.id,
          rule: rule.name,
          labels: inst.labels,
          status: inst.status,
          severity: rule.severity,
          message: renderMessage(rule.message, { value: inst.value, threshold: rule.condition?.threshold ?? null, labels: inst.labels }),
          value: inst.value,
          since: iso(inst.since ?? inst.lastSeen),
          raisedAt: inst.raisedAt === null ? null : iso(inst.raisedAt),
          occurrences: inst.occurrences,
        });
      }
    }
    return out.sort((a, b) => (a.status === b.status ? rank[a.severity] - rank[b.severity] : a.status === "firing" ? -1 : 1));
  }

  private instance(loaded: LoadedRule, labels: Labels): Instance {
    const id = alertId(loaded.rule.name, labels);
    let inst = loaded.instances.get(id);
    if (!inst) {
      inst = { id, labels: { ...labels }, status: "idle", since: null, raisedAt: null, lastSeen: 0, cooldownUntil: 0, value: null, occurrences: 0 };
      loaded.instances.set(id, inst);
    }
    return inst;
  }

  private reset(inst: Instance): void {
    inst.status = "idle";
    inst.since = null;
    inst.raisedAt = null;
    inst.occurrences = 0;
  }

  private raise(loaded: LoadedRule, inst: Instance, now: number): AlertNotice {
    inst.status = "firing";
    inst.raisedAt = now;
    inst.occurrences = 1;
    return this.notice("raised", loaded, inst, now);
  }

  private resolve(loaded: LoadedRule, inst: Instance, now: number, reason: NonNullable<AlertNotice["reason"]>): AlertNotice {
    const notice = this.notice("resolved", loaded, inst, now, reason);
    this.reset(inst);
    return notice;
  }

  private notice(kind: AlertNotice["kind"], { rule }: LoadedRule, inst: Instance, now: number, reason?: AlertNotice["reason"]): AlertNotice {
    const raisedAt = inst.raisedAt ?? now;
    const threshold = rule.condition?.threshold ?? null;
    const base = renderMessage(rule.message, { value: inst.value, threshold, labels: inst.labels });
    return {
      kind,
      alertId: inst.id,
      // Same transition → same id: a re-sent notice is deduplicated downstream.
      messageId: `${inst.id}:${kind}:${raisedAt}`,
      rule: rule.name,
      source: rule.source,
      subject: rule.subject,
      severity: rule.severity,
      message: base,
      labels: { ...inst.labels },
      value: inst.value,
      threshold,
      since: iso(inst.since ?? raisedAt),
      raisedAt: iso(raisedAt),
      resolvedAt: kind === "resolved" ? iso(now) : null,
      ...(reason ? { reason } : {}),
      occurrences: inst.occurrences,
    };
  }
}

/** Keys present in both label sets have equal values (an empty set agrees with everything). */
function agree(a: Labels, b: Labels): boolean {
  return Object.keys(b).every((k) => a[k] === undefined || a[k] === b[k]);
}
