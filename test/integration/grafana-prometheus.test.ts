/**
 * The Grafana dashboard against a real Prometheus (Debian's `prometheus` package; .ci/run
 * installs it) scraping a running mesh: three `dist/bin/mmesh.js` processes over NATS with
 * different SERVICES, each with its own /metrics port, as the compose/k8s node groups run:
 *   trading:     config, cex, cex-price-feed, market-maker (the demo bot quoting the paper market;
 *                explicit SQLite and in-process bus, which fail-closed allows)
 *   ops, ops-2:  monitoring, two replicas (`--scale ops=2`): the business metrics, from the
 *                trading node's events and calls, exported by both
 * Every PromQL expression of deploy/grafana/dashboards/mmesh.json, its template variables set
 * to "All" and Grafana's $__range to 5m, must return data; Prometheus must see every target up,
 * the business metrics from both ops nodes and the price events from the trading node.
 * Needs `npm run build`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { uniqueName } from "../support/env";

const ROOT = path.resolve(__dirname, "../..");
const ENTRY = path.join(ROOT, "dist/bin/mmesh.js");
const PROMETHEUS = process.env.PROMETHEUS_BIN ?? "/usr/bin/prometheus";
const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

interface Node {
  id: string;
  metricsPort: number;
  child: ChildProcess;
  output: string;
}

describe("Grafana dashboard on a real Prometheus scraping a three-node mesh", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-prom-"));
  const namespace = uniqueName("prom");
  const nodes: Node[] = [];
  let prometheus: ChildProcess | null = null;

  afterAll(async () => {
    await stop(prometheus);
    await Promise.all(nodes.map((n) => stop(n.child)));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const startNode = async (id: string, env: Record<string, string>): Promise<Node> => {
    const metricsPort = await freePort();
    const dataDir = path.join(dir, id);
    fs.mkdirSync(dataDir, { recursive: true });
    const child = spawn(process.execPath, [ENTRY], {
      cwd: dataDir,
      env: { PATH: process.env.PATH, TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: `${namespace}-${id}`, API_PORT: "0", METRICS_PORT: String(metricsPort), LOG_LEVEL: "warn", DATA_DIR: dataDir, ...env },
    });
    const node: Node = { id: `${namespace}-${id}`, metricsPort, child, output: "" };
    child.stdout!.on("data", (d) => (node.output += d));
    child.stderr!.on("data", (d) => (node.output += d));
    nodes.push(node);
    return node;
  };

  it("returns data for every PromQL expression of the dashboard, from every node", async () => {
    const dashboard = JSON.parse(fs.readFileSync(path.join(ROOT, "deploy/grafana/dashboards/mmesh.json"), "utf8"));
    const variables: string[] = dashboard.templating.list.map((v: { name: string }) => v.name);
    expect(variables).toEqual(["bot", "exchange", "symbol"]);
    const exprs: string[] = dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((t) => t.expr));
    // Grafana's own variables, as a 5-minute dashboard range sets them.
    const grafana = (expr: string) => expr.replaceAll("$__range", "5m").replaceAll("$__rate_interval", "1m");
    const allSelected = (expr: string) => grafana(variables.reduce((e, v) => e.replaceAll(`$${v}`, ".*"), expr));

    const trading = await startNode("trading", {
      SERVICES: "config,cex,cex-price-feed,market-maker",
      DEMO_BOT: "on",
      DATABASE_URL: `sqlite:${path.join(dir, "trading", "mmesh.sqlite")}`,
      AMQP_URL: "memory",
    });
    const ops = await startNode("ops", { SERVICES: "monitoring", PROBE_INTERVAL_MS: "1000" });
    const ops2 = await startNode("ops-2", { SERVICES: "monitoring", PROBE_INTERVAL_MS: "1000" });

    const promPort = await freePort();
    const targets = nodes.map((n) => `"127.0.0.1:${n.metricsPort}"`).join(", ");
    fs.writeFileSync(path.join(dir, "prometheus.yml"), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: mmesh\n    static_configs:\n      - targets: [${targets}]\n`);
    prometheus = spawn(PROMETHEUS, [`--config.file=${path.join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${path.join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`], { stdio: "ignore" });

    type Sample = { metric: Record<string, string>; value: [number, string] };
    const query = async (expr: string): Promise<Sample[]> => {
      const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent(expr)}`);
      const body = (await res.json()) as { status: string; error?: string; data?: { result: Sample[] } };
      if (body.status !== "success") throw new Error(`${expr}: ${body.error}`);
      return body.data!.result;
    };
    // Not up yet (connection refused) is "no data yet"; a PromQL error fails at once.
    const answers = (expr: string) => query(expr).then((r) => r.length > 0, (err: Error) => (err.message.includes(":") && !/ECONNREFUSED|fetch failed/.test(err.message) ? Promise.reject(err) : false));
    // Both targets scraped; the business metrics come from the ops node (monitoring), the price
    // events and the bot's actions from the trading node: the dashboard reads the mesh, not one process.
    const meshChecks = [
      `count(up{job="mmesh"} == 1) == 3`,
      `max(moleculer_registry_nodes_online_total{nodeID="${ops.id}"}) >= 3`,
      `mmesh_pnl{kind="total", nodeID="${ops.id}"}`,
      `mmesh_pnl{kind="total", nodeID="${ops2.id}"}`,
      `mmesh_balance{exchange="paper", nodeID="${ops.id}"}`,
      `moleculer_event_broadcast_total{event="price.cex.updated", nodeID="${trading.id}"}`,
      `moleculer_event_received_total{event="mm.pnl.updated", nodeID="${ops.id}"}`,
    ];

    let missing = [...exprs.map(allSelected), ...meshChecks];
    const deadline = Date.now() + 150_000;
    while (missing.length > 0 && Date.now() < deadline) {
      for (const n of nodes) if (n.child.exitCode !== null) throw new Error(`${n.id} exited:\n${n.output}`);
      const answered = await Promise.all(missing.map(answers));
      missing = missing.filter((_e, i) => !answered[i]);
      if (missing.length > 0) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(missing).toEqual([]);
  }, 200_000);
});
