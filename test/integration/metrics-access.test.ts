/**
 * /metrics is not public: it listens on API_HOST (loopback by default) unless METRICS_HOST
 * says otherwise, and with METRICS_TOKEN it answers 401 without that bearer token. The
 * broker is built by the real configuration (moleculer.config.ts), serving Moleculer's registry.
 */
import type { AddressInfo } from "node:net";
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../services";
import { testEnv } from "../support/env";

const TOKEN = "metrics-token-for-tests-0123456789";

async function startWith(overrides: Record<string, string>): Promise<{ broker: ServiceBroker; address: AddressInfo; cleanup(): Promise<void> }> {
  const env = testEnv({ SERVICES: "config", METRICS_PORT: "0", ...overrides });
  const broker = createNode(env, { logger: false });
  await broker.start();
  const reporter = (broker as unknown as { metrics: { reporter: Array<{ server: { address(): AddressInfo | null; listening: boolean; once(e: string, f: () => void): void } }> } }).metrics.reporter[0];
  if (!reporter.server.listening) await new Promise<void>((resolve) => reporter.server.once("listening", resolve));
  return {
    broker,
    address: reporter.server.address() as AddressInfo,
    cleanup: async () => {
      await broker.stop();
      env.cleanup();
    },
  };
}

describe("the metrics endpoint", () => {
  it("listens on the API's host by default (loopback), and on METRICS_HOST when set", async () => {
    const byDefault = await startWith({});
    try {
      expect(byDefault.address.address).toBe("127.0.0.1");
    } finally {
      await byDefault.cleanup();
    }
    const apiHost = await startWith({ API_HOST: "127.0.0.3" });
    try {
      expect(apiHost.address.address).toBe("127.0.0.3");
    } finally {
      await apiHost.cleanup();
    }
    const own = await startWith({ API_HOST: "127.0.0.3", METRICS_HOST: "127.0.0.2" });
    try {
      expect(own.address.address).toBe("127.0.0.2");
    } finally {
      await own.cleanup();
    }
  });

  it("with METRICS_TOKEN, answers 401 without the bearer token and the metrics with it; /health needs none", async () => {
    const node = await startWith({ METRICS_TOKEN: TOKEN });
    const url = `http://127.0.0.1:${node.address.port}`;
    try {
      const anonymous = await fetch(`${url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(await anonymous.text()).not.toContain("moleculer_");
      expect((await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${url}/metrics`, { headers: { authorization: TOKEN } })).status).toBe(401);
      const allowed = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(allowed.status).toBe(200);
      expect(await allowed.text()).toContain("moleculer_node_type");
      const health = await fetch(`${url}/health`);
      expect(health.status).toBe(200);
      expect(await health.text()).toBe("ok\n");
    } finally {
      await node.cleanup();
    }
  });

  it("without METRICS_TOKEN serves the metrics to whoever reaches the (loopback) address", async () => {
    const node = await startWith({});
    try {
      const res = await fetch(`http://127.0.0.1:${node.address.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("moleculer_node_type");
    } finally {
      await node.cleanup();
    }
  });
});
