/**
 * The monitoring service with CLOUDWATCH_EMF=on on a real broker: its stdout carries CloudWatch
 * Embedded Metric Format lines with the kill switch (from the market maker's alert.raised), the
 * worst feed age and drawdown, as the awslogs driver ships them to CloudWatch Logs on ECS.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createMonitoringService from "../../services/monitoring.service";
import { testEnv } from "../support/env";

describe("monitoring with CLOUDWATCH_EMF=on", () => {
  const env = testEnv({ CLOUDWATCH_EMF: "on", METRICS_PORT: "0", SERVICES: "monitoring", PROBE_INTERVAL_MS: "600000" });
  let broker: ServiceBroker;
  const lines: string[] = [];
  let spy: jest.SpyInstance;

  beforeAll(async () => {
    const write = process.stdout.write.bind(process.stdout);
    spy = jest.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.includes('"_aws"')) lines.push(...text.trim().split("\n"));
      else return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
      return true;
    }) as typeof process.stdout.write);
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createMonitoringService(env, { emfIntervalMs: 50, probeIntervalMs: 0 }));
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    spy?.mockRestore();
    env.cleanup();
  });

  it("writes the kill switch, feed age and drawdown as EMF lines", async () => {
    await broker.broadcast("alert.raised", { kind: "raised", alertId: "mm.kill_switch{bot=*}", rule: "mm.kill_switch", severity: "critical", message: "Kill switch engaged" });
    await broker.broadcast("mm.pnl.updated", { bot: "b1", exchange: "paper", symbol: "BTC/USDT", realized: "0", unrealized: "-5", total: "-5", drawdownRatio: 0.2 });
    const deadline = Date.now() + 10_000;
    let doc: Record<string, unknown> | undefined;
    while (Date.now() < deadline) {
      doc = lines.map((l) => JSON.parse(l) as Record<string, unknown>).reverse().find((d) => d.KillSwitchEngaged === 1);
      if (doc) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(doc).toMatchObject({ _aws: { CloudWatchMetrics: [{ Namespace: "mmesh", Dimensions: [[]] }] }, KillSwitchEngaged: 1 });
    expect(typeof doc!.MaxFeedAgeSeconds).toBe("number");
    expect(typeof doc!.MaxDrawdownRatio).toBe("number");
  });
});
