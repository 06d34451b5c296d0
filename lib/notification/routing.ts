/**
 * Severity routing and message formatting for the notification service.
 *
 * The routing in force comes from the config service (kind `notifications`, document
 * "routing", checked again here with checkRouting). Default when there is none
 * (override with the service's `routing` setting):
 *   info     → telegram
 *   warning  → telegram
 *   critical → telegram + email
 * A channel that is not configured (no TELEGRAM_BOT_TOKEN / TELEGRAM_CHAT_IDS, or no
 * SMTP_URL / NOTIFY_EMAIL_TO) is skipped with a warning at start-up.
 */
import type { ChannelName, Notification, Routing, Severity } from "./types";

export const SEVERITIES: Severity[] = ["info", "warning", "critical"];
export const CHANNELS: ChannelName[] = ["telegram", "email"];

export const DEFAULT_ROUTING: Routing = { info: ["telegram"], warning: ["telegram"], critical: ["telegram", "email"] };

export class RoutingError extends Error {}

/** Checks a routing table: every severity present, only known channels. */
export function checkRouting(routing: Partial<Routing>): Routing {
  const out = { ...DEFAULT_ROUTING, ...routing } as Routing;
  for (const sev of SEVERITIES) {
    const list = out[sev];
    if (!Array.isArray(list)) throw new RoutingError(`routing.${sev} must be a list of channels`);
    const bad = list.find((c) => !CHANNELS.includes(c));
    if (bad !== undefined) throw new RoutingError(`routing.${sev} names an unknown channel "${String(bad)}"; known: ${CHANNELS.join(", ")}`);
  }
  return out;
}

/** The channels a notification goes to, limited to the channels that are configured. */
export function route(routing: Routing, n: Notification, available: ReadonlySet<ChannelName>): ChannelName[] {
  const wanted = n.channels && n.channels.length > 0 ? n.channels : routing[n.severity];
  return [...new Set(wanted)].filter((c) => available.has(c));
}

const ICON: Record<Severity, string> = { info: "ℹ️", warning: "⚠️", critical: "🚨" };

interface AlertLike {
  kind?: unknown;
  rule?: unknown;
  severity?: unknown;
  message?: unknown;
  alertId?: unknown;
  labels?: unknown;
  value?: unknown;
  raisedAt?: unknown;
  resolvedAt?: unknown;
  reason?: unknown;
}

export class PayloadError extends Error {}

function severityOf(v: unknown): Severity {
  if (typeof v === "string" && (SEVERITIES as string[]).includes(v)) return v as Severity;
  throw new PayloadError(`severity must be one of ${SEVERITIES.join(", ")}`);
}

/** An `alert.raised` / `alert.resolved` payload (lib/alerting AlertNotice) as a notification. */
export function fromAlert(channel: "alert.raised" | "alert.resolved", payload: unknown): Notification {
  if (!payload || typeof payload !== "object") throw new PayloadError(`${channel} payload must be an object`);
  const a = payload as AlertLike;
  const severity = severityOf(a.severity);
  const rule = typeof a.rule === "string" ? a.rule : "alert";
  const message = typeof a.message === "string" ? a.message : rule;
  const labels = a.labels && typeof a.labels === "object" ? Object.entries(a.labels as Record<string, unknown>).map(([k, v]) => `${k}=${String(v)}`) : [];
  const resolved = channel === "alert.resolved";
  // The title is the e-mail subject: kept ASCII where the message is; the text's first line carries the icon.
  const title = `${resolved ? "RESOLVED" : severity.toUpperCase()}: ${message}`;
  const lines = [`${resolved ? "✅" : ICON[severity]} ${title}`, `rule: ${rule}${labels.length ? ` {${labels.join(", ")}}` : ""}`];
  if (typeof a.value === "number") lines.push(`value: ${a.value}`);
  if (typeof a.raisedAt === "string") lines.push(`raised: ${a.raisedAt}`);
  if (resolved && typeof a.resolvedAt === "string") lines.push(`resolved: ${a.resolvedAt}${typeof a.reason === "string" ? ` (${a.reason})` : ""}`);
  return { severity, title: title.slice(0, 200), text: lines.join("\n") };
}

/** A `notification.requested` payload: { severity, title?, text, channels? }. */
export function fromRequest(payload: unknown): Notification {
  if (!payload || typeof payload !== "object") throw new PayloadError("notification.requested payload must be an object");
  const p = payload as { severity?: unknown; title?: unknown; text?: unknown; channels?: unknown };
  const severity = p.severity === undefined ? "info" : severityOf(p.severity);
  if (typeof p.text !== "string" || p.text.trim() === "") throw new PayloadError("text must be a non-empty string");
  let channels: ChannelName[] | undefined;
  if (p.channels !== undefined) {
    if (!Array.isArray(p.channels) || p.channels.some((c) => !CHANNELS.includes(c as ChannelName))) throw new PayloadError(`channels must be a list of ${CHANNELS.join(", ")}`);
    channels = p.channels as ChannelName[];
  }
  const title = typeof p.title === "string" && p.title.trim() ? p.title.trim() : p.text.split("\n")[0];
  return { severity, title: title.slice(0, 200), text: typeof p.title === "string" && p.title.trim() ? `${p.title.trim()}\n${p.text}` : p.text, channels };
}

/** Extra wait before retry n (n ≥ 1) on top of the bus's fixed retryDelay: base·2^(n-1), capped. */
export function backoffMs(retries: number, baseMs: number, maxMs: number): number {
  if (retries <= 0) return 0;
  return Math.min(baseMs * 2 ** (retries - 1), maxMs);
}

/** Remembers what was delivered (message × channel × recipient) so a redelivery or retry does not send twice. Bounded, oldest first out. */
export class DeliveryLog {
  private readonly done = new Set<string>();
  constructor(private readonly capacity = 10_000) {}

  has(key: string): boolean {
    return this.done.has(key);
  }

  add(key: string): void {
    this.done.add(key);
    if (this.done.size > this.capacity) {
      const oldest = this.done.values().next().value as string;
      this.done.delete(oldest);
    }
  }
}
