/** Which servers are probed, masking, timeouts and node status assembly. */
import { BreakerBook, maskMessage, nodeStatus, openLocalBreakers, runProbe, serverTargets } from "../../../lib/monitoring";
import { readEnv } from "../../../lib/runtime/env";

describe("serverTargets", () => {
  it("probes only what the environment configures", () => {
    expect(serverTargets(readEnv({ DATA_DIR: "/tmp/x" }))).toEqual([]);
    const env = readEnv({
      DATA_DIR: "/tmp/x",
      DATABASE_URL: "postgres://u:p@db:5432/mmesh",
      CACHER: "redis://redis:6379",
      TRANSPORTER: "nats://nats:4222",
      AMQP_URL: "amqp://guest:guest@rabbit:5672",
      RPC_URL: "http://chain:8545",
    });
    expect(serverTargets(env).map((t) => `${t.name}:${t.kind}`)).toEqual(["postgres:postgres", "redis:redis", "nats:nats", "rabbitmq:amqp", "rpc:rpc"]);
    const amqpTransport = readEnv({ DATA_DIR: "/tmp/x", TRANSPORTER: "amqp://guest:guest@rabbit:5672" });
    expect(serverTargets(amqpTransport).map((t) => t.kind)).toEqual(["amqp"]);
  });
});

describe("runProbe", () => {
  it("reports success with a latency", async () => {
    const r = await runProbe("x", 1_000, async () => ({ blockNumber: 5 }));
    expect(r).toMatchObject({ name: "x", ok: true, error: null, detail: { blockNumber: 5 } });
    expect(r.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it("reports a timeout and calls the cleanup", async () => {
    const cleanup = jest.fn();
    const r = await runProbe("slow", 50, () => new Promise(() => undefined), cleanup);
    expect(r).toMatchObject({ ok: false, error: "no answer within 50 ms" });
    expect(cleanup).toHaveBeenCalled();
  });

  it("masks passwords of URLs in errors", async () => {
    const r = await runProbe("pg", 1_000, async () => {
      throw new Error("cannot reach postgres://mmesh:hunter2@db:5432/x");
    });
    expect(r.error).toBe("cannot reach postgres://mmesh:****@db:5432/x");
    expect(maskMessage("amqp://guest:guest@h:5672 and redis://:pw@r:6379")).not.toMatch(/guest@|:pw@/);
  });
});

describe("node status", () => {
  const node = { id: "n2", available: true, local: false, hostname: "h", services: [{ name: "$node" }, { name: "cex", fullName: "cex" }, { name: "fee" }] };
  const health = { cpu: { load1: 0.5, utilization: 25, cores: 2 }, mem: { free: 1, total: 4, percent: 25 }, process: { memory: { rss: 100, heapUsed: 50 }, uptime: 12 } };

  it("summarises services, CPU, memory and open breakers of the node", () => {
    const breakers = [
      ...openLocalBreakers([{ name: "cex.ticker", endpoints: [{ nodeID: "n2", state: false }, { nodeID: "n3", state: true }] }], "n1", 5),
      { nodeID: "n2", action: "cex.ticker", state: "open" as const, reportedBy: "n4", since: 6 },
      { nodeID: "n2", action: "fee.route", state: "half-open" as const, reportedBy: "n4", since: 7 },
    ];
    const s = nodeStatus(node, health, null, breakers);
    expect(s).toEqual({
      id: "n2",
      state: "up",
      available: true,
      local: false,
      hostname: "h",
      cpu: { utilization: 25, load1: 0.5, cores: 2 },
      memory: { rssBytes: 100, heapUsedBytes: 50, systemUsedPercent: 75 },
      uptimeSeconds: 12,
      services: ["cex", "fee"],
      circuitBreakers: [
        { action: "cex.ticker", state: "open", reportedBy: "n1", since: 5 },
        { action: "fee.route", state: "half-open", reportedBy: "n4", since: 7 },
      ],
      error: null,
    });
  });

  it("calls a registered node that does not answer unresponsive, and a dropped one down", () => {
    const registered = { id: "n9", available: true, local: false, hostname: "h", services: [] };
    expect(nodeStatus(registered, null, "Request is timed out", []).state).toBe("unresponsive");
    expect(nodeStatus({ ...registered, available: false }, null, "node is not available", []).state).toBe("down");
    expect(nodeStatus(registered, null, null, []).state).toBe("up");
  });

  it("keeps breaker reports until closed or the node leaves", () => {
    const book = new BreakerBook();
    book.record("opened", { nodeID: "n2", action: "cex.ticker" }, "n1", 1);
    book.record("half-opened", { nodeID: "n2", action: "cex.ticker" }, "n1", 2);
    expect(book.list()).toEqual([{ nodeID: "n2", action: "cex.ticker", state: "half-open", reportedBy: "n1", since: 2 }]);
    book.record("closed", { nodeID: "n2", action: "cex.ticker" }, "n1");
    expect(book.list()).toEqual([]);
    book.record("opened", { nodeID: "n2", action: "x.y" }, "n1");
    book.forgetNode("n2");
    expect(book.list()).toEqual([]);
  });
});
