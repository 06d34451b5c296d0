/**
 * mmesh business metrics for CloudWatch as Embedded Metric Format log lines (CLOUDWATCH_EMF=on
 * on the node running monitoring): on ECS the awslogs driver ships stdout to CloudWatch Logs,
 * which turns each line into metrics of namespace "mmesh" without an agent or API calls.
 * deploy/aws alarms on them:
 *   KillSwitchEngaged   1 while the global kill switch is engaged (alert rule mm.kill_switch)
 *   MaxDrawdownRatio    worst mmesh.drawdown.ratio of any bot (bots with a capital)
 *   MaxDrawdownQuote    per Quote dimension (USDT, BTC...): worst mmesh.drawdown.quote of the bots
 *                       quoting in that currency (every bot; one threshold per currency fits)
 *   MaxFeedAgeSeconds   oldest mmesh.feed.age.seconds of any market
 *   UserStreamsDown     live venues whose user-data stream is down (mmesh.server.up{server="userstream:<exchange>"} 0)
 *   AlertsFiring        per Rule dimension: alerts firing now (a user-stream rule, a server-down rule...)
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
 */
import { METRIC } from "./business-metrics";

export const EMF_NAMESPACE = "mmesh";
export const KILL_SWITCH_RULE = "mm.kill_switch";

interface AlertEvent {
  kind?: string;
  alertId?: string;
  rule?: string;
}

/** Values of one gauge in Moleculer's metric registry (broker.metrics.getMetric(name).values). */
export type GaugeReader = (name: string) => Array<{ value: number; labels: Record<string, unknown> }>;

/** The probe name monitoring gives a venue's user-data stream (services/monitoring.service.ts). */
const USER_STREAM_PROBE = /^userstream:/;

export class EmfReporter {
  /** Firing alerts by id → rule. */
  private readonly firing = new Map<string, string>();

  constructor(private readonly readGauge: GaugeReader) {}

  onAlert(event: AlertEvent): void {
    if (!event.alertId || !event.rule) return;
    if (event.kind === "raised") this.firing.set(event.alertId, event.rule);
    else if (event.kind === "resolved") this.firing.delete(event.alertId);
  }

  /** The EMF documents for now: one without dimensions for the alarm metrics, one per firing rule. */
  records(now = Date.now()): Array<Record<string, unknown>> {
    const max = (name: string) => {
      const values = this.readGauge(name).map((v) => v.value).filter((v) => Number.isFinite(v));
      return values.length === 0 ? 0 : Math.max(...values);
    };
    const rules = new Map<string, number>();
    for (const rule of this.firing.values()) rules.set(rule, (rules.get(rule) ?? 0) + 1);
    const summary = {
      _aws: {
        Timestamp: now,
        CloudWatchMetrics: [{
          Namespace: EMF_NAMESPACE,
          Dimensions: [[]],
          Metrics: [
            { Name: "KillSwitchEngaged", Unit: "Count" },
            { Name: "MaxDrawdownRatio", Unit: "None" },
            { Name: "MaxFeedAgeSeconds", Unit: "Seconds" },
            { Name: "UserStreamsDown", Unit: "Count" },
          ],
        }],
      },
      KillSwitchEngaged: rules.has(KILL_SWITCH_RULE) ? 1 : 0,
      MaxDrawdownRatio: max(METRIC.DRAWDOWN),
      MaxFeedAgeSeconds: max(METRIC.FEED_AGE),
      UserStreamsDown: this.readGauge(METRIC.SERVER_UP).filter((v) => USER_STREAM_PROBE.test(String(v.labels.server ?? "")) && v.value < 1).length,
    };
    const drawdownByQuote = new Map<string, number>();
    for (const v of this.readGauge(METRIC.DRAWDOWN_QUOTE)) {
      const quote = String(v.labels.symbol ?? "").split("/")[1];
      if (!quote || !Number.isFinite(v.value)) continue;
      drawdownByQuote.set(quote, Math.max(drawdownByQuote.get(quote) ?? 0, v.value));
    }
    const perQuote = [...drawdownByQuote].map(([quote, value]) => ({
      _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [["Quote"]], Metrics: [{ Name: "MaxDrawdownQuote", Unit: "None" }] }] },
      Quote: quote,
      MaxDrawdownQuote: value,
    }));
    const perRule = [...rules].map(([rule, count]) => ({
      _aws: { Timestamp: now, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [["Rule"]], Metrics: [{ Name: "AlertsFiring", Unit: "Count" }] }] },
      Rule: rule,
      AlertsFiring: count,
    }));
    return [summary, ...perQuote, ...perRule];
  }

  /** The records as log lines (one JSON document per line). */
  lines(now = Date.now()): string {
    return this.records(now).map((r) => `${JSON.stringify(r)}\n`).join("");
  }
}
