/**
 * Alerts the market maker raises itself (kill switch tripped, hedge failed), in the
 * alerting service's AlertNotice shape so the notification service routes them like
 * rule-based alerts. Each transition gets its own messageId (the durable bus dedupes on it).
 */
import { randomUUID } from "node:crypto";
import type { AlertNotice, Severity } from "../alerting/types";

export function botAlert(a: { kind: "raised" | "resolved"; rule: string; bot: string; severity: Severity; message: string; labels?: Record<string, string> }): AlertNotice {
  const now = new Date().toISOString();
  const labels = { bot: a.bot, ...(a.labels ?? {}) };
  return {
    kind: a.kind,
    alertId: `${a.rule}{bot=${a.bot}}`,
    messageId: `${a.rule}:${a.bot}:${a.kind}:${randomUUID()}`,
    rule: a.rule,
    source: "event",
    subject: a.rule,
    severity: a.severity,
    message: a.message,
    labels,
    value: null,
    threshold: null,
    since: now,
    raisedAt: now,
    resolvedAt: a.kind === "resolved" ? now : null,
    reason: a.kind === "resolved" ? "event" : undefined,
    occurrences: 1,
  };
}
