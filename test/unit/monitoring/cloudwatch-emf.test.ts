/** CloudWatch Embedded Metric Format lines of the business metrics the AWS alarms watch. */
import { EmfReporter, EMF_NAMESPACE, KILL_SWITCH_RULE } from "../../../lib/monitoring/cloudwatch-emf";
import { METRIC } from "../../../lib/monitoring/business-metrics";

describe("EmfReporter", () => {
  const gauges: Record<string, Array<{ value: number; labels: Record<string, unknown> }>> = {
    [METRIC.DRAWDOWN]: [0.02, 0.15, Number.NaN].map((value) => ({ value, labels: {} })),
    [METRIC.FEED_AGE]: [1.5, 42].map((value) => ({ value, labels: {} })),
    [METRIC.SERVER_UP]: [
      { value: 0, labels: { server: "userstream:binance" } },
      { value: 1, labels: { server: "userstream:okx" } },
      { value: 0, labels: { server: "redis" } },
    ],
  };
  const reporter = new EmfReporter((name) => gauges[name] ?? []);

  it("writes the alarm metrics as one EMF document without dimensions", () => {
    const [summary] = reporter.records(1_700_000_000_000);
    expect(summary).toEqual({
      _aws: {
        Timestamp: 1_700_000_000_000,
        CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [[]], Metrics: [{ Name: "KillSwitchEngaged", Unit: "Count" }, { Name: "MaxDrawdownRatio", Unit: "None" }, { Name: "MaxFeedAgeSeconds", Unit: "Seconds" }, { Name: "UserStreamsDown", Unit: "Count" }] }],
      },
      KillSwitchEngaged: 0,
      MaxDrawdownRatio: 0.15,
      MaxFeedAgeSeconds: 42,
      UserStreamsDown: 1,
    });
  });

  it("counts firing alerts per rule and the kill switch from alert events, until resolved", () => {
    reporter.onAlert({ kind: "raised", alertId: "mm.kill_switch{bot=*}", rule: KILL_SWITCH_RULE });
    reporter.onAlert({ kind: "raised", alertId: "user-stream-down{exchange=binance}", rule: "user-stream-down" });
    reporter.onAlert({ kind: "raised", alertId: "user-stream-down{exchange=okx}", rule: "user-stream-down" });
    const records = reporter.records(1);
    expect(records[0]).toMatchObject({ KillSwitchEngaged: 1 });
    expect(records.slice(1)).toContainEqual(expect.objectContaining({ Rule: "user-stream-down", AlertsFiring: 2, _aws: expect.objectContaining({ CloudWatchMetrics: [expect.objectContaining({ Dimensions: [["Rule"]] })] }) }));
    reporter.onAlert({ kind: "resolved", alertId: "mm.kill_switch{bot=*}", rule: KILL_SWITCH_RULE });
    expect(reporter.records(2)[0]).toMatchObject({ KillSwitchEngaged: 0 });
    const lines = reporter.lines(3).trim().split("\n");
    expect(lines.map((l) => JSON.parse(l)._aws.Timestamp)).toEqual(lines.map(() => 3));
  });

  it("writes the worst drawdown in each quote currency, for bots with a capital or not", () => {
    const quoteGauges: Record<string, Array<{ value: number; labels: Record<string, unknown> }>> = {
      [METRIC.DRAWDOWN_QUOTE]: [
        { value: 120.5, labels: { bot: "a", exchange: "binance", symbol: "BTC/USDT" } },
        { value: 340, labels: { bot: "b", exchange: "paper", symbol: "ETH/USDT" } },
        { value: 0.004, labels: { bot: "c", exchange: "binance", symbol: "ETH/BTC" } },
        { value: Number.NaN, labels: { bot: "d", exchange: "binance", symbol: "SOL/BTC" } },
      ],
    };
    const records = new EmfReporter((name) => quoteGauges[name] ?? []).records(5);
    const perQuote = records.filter((r) => "Quote" in r);
    expect(perQuote).toEqual([
      { _aws: { Timestamp: 5, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [["Quote"]], Metrics: [{ Name: "MaxDrawdownQuote", Unit: "None" }] }] }, Quote: "USDT", MaxDrawdownQuote: 340 },
      { _aws: { Timestamp: 5, CloudWatchMetrics: [{ Namespace: EMF_NAMESPACE, Dimensions: [["Quote"]], Metrics: [{ Name: "MaxDrawdownQuote", Unit: "None" }] }] }, Quote: "BTC", MaxDrawdownQuote: 0.004 },
    ]);
  });

  it("reads 0 when no bot or market reports yet", () => {
    expect(new EmfReporter(() => []).records(0)[0]).toMatchObject({ MaxDrawdownRatio: 0, MaxFeedAgeSeconds: 0, KillSwitchEngaged: 0, UserStreamsDown: 0 });
  });
});
