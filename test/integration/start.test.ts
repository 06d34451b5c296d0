/**
 * `npm start` as a user runs it: the built node process on the embedded default, and
 * a malformed environment refused at start-up. Needs `npm run build` (npm test runs it first).
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createNode } from "../../services";
import { testEnv, uniqueName } from "../support/env";

const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");
const REPL = path.resolve(__dirname, "../../dist/bin/repl.js");
const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

describe("mmesh process", () => {
  it("refuses a malformed environment, naming the variable", () => {
    const result = spawnSync(process.execPath, [ENTRY], { env: { ...process.env, TRANSPORTER: "tcp://127.0.0.1" }, encoding: "utf8", timeout: 20_000 });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Invalid environment variable TRANSPORTER");
  });

  it("starts the embedded default with no servers, prints the admin password once, serves health and runs the demo bot", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-start-"));
    const child = spawn(process.execPath, [ENTRY], {
      cwd: dir,
      env: { PATH: process.env.PATH, API_PORT: "0", METRICS_PORT: "off", LOG_LEVEL: "info", NODE_ID: "start-test" },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 20 s:\n${output}`)), 20_000);
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`mmesh exited with ${code} before starting:\n${output}`));
        });
        const check = () => {
          const match = /API Gateway listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match && output.includes("mmesh node start-test started")) {
            clearTimeout(timer);
            resolve(match[1]);
          } else if (child.exitCode === null) setTimeout(check, 50);
        };
        check();
      });
      expect(output).toMatch(/created user 'admin' with password: \S{20,}/);
      expect(output).toContain("docs at http://127.0.0.1:");
      const health = (await (await fetch(`http://127.0.0.1:${port}/api/v1/health`)).json()) as { status: string; services: string[] };
      expect(health.status).toBe("ok");
      expect(health.services).toEqual(expect.arrayContaining(["api", "auth", "cex", "cex-price-feed", "config", "fee", "keys", "subgraph"]));
      expect(fs.existsSync(path.join(dir, "data", "mmesh.sqlite"))).toBe(true);

      // The demo Avellaneda-Stoikov bot quotes on the paper market and gets filled within seconds.
      const password = /created user 'admin' with password: (\S+)/.exec(output)![1];
      const login = async () =>
        ((await (await fetch(`http://127.0.0.1:${port}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password }) })).json()) as { accessToken?: string }).accessToken;
      let token = await login();
      const get = async <T>(route: string) => (await (await fetch(`http://127.0.0.1:${port}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } })).json()) as T;
      type Status = { bots: Array<{ name: string; strategy: string; state: string; live?: { liveOrders: unknown[] } }> };
      type Pnl = { bots: Array<{ bot: string; fills: number }> };
      const deadline = Date.now() + 30_000;
      let demo: Status["bots"][number] | undefined;
      let fills = 0;
      while (Date.now() < deadline && !(demo?.live?.liveOrders.length && fills > 0)) {
        await new Promise((r) => setTimeout(r, 250));
        // Until the market maker is up the route answers 404/503: keep asking.
        token ??= await login();
        demo = (await get<Status>("/mm/status")).bots?.find((b) => b.name === "demo-avellaneda");
        fills = (await get<Pnl>("/mm/pnl")).bots?.find((b) => b.bot === "demo-avellaneda")?.fills ?? 0;
      }
      expect(demo).toMatchObject({ strategy: "avellaneda_stoikov", state: "running" });
      expect(demo?.live?.liveOrders.length).toBeGreaterThan(0);
      expect(fills).toBeGreaterThan(0);
      // SIGTERM stops every service once and writes everything before the process exits.
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(output.match(/Service 'cex' stopped/g)).toHaveLength(1);
      expect(output.split("\n").filter((line) => /not written|connection manager was closed/.test(line))).toEqual([]);
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it("attaches a REPL to a running mesh over NATS and calls a service live", async () => {
    const namespace = uniqueName("repl");
    const env = testEnv({ TRANSPORTER: NATS, NAMESPACE: namespace, SERVICES: "config" });
    const mesh = createNode(env, { logger: false });
    await mesh.start();
    await mesh.call("config.set", { kind: "markets", name: "btc-paper", body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });
    const repl = spawn(process.execPath, [REPL], { env: { PATH: process.env.PATH, TRANSPORTER: NATS, NAMESPACE: namespace } });
    let output = "";
    repl.stdout.on("data", (d) => (output += d));
    repl.stderr.on("data", (d) => (output += d));
    try {
      const deadline = Date.now() + 20_000;
      // The REPL node needs a moment to discover the config service; ask until it answers (the
      // answer's symbol: the REPL echoes the call itself, document name included, at once).
      while (!output.includes("BTC/USDT") && Date.now() < deadline) {
        repl.stdin.write("call config.get --kind markets --name btc-paper\n");
        await new Promise((r) => setTimeout(r, 1000));
      }
      expect(output).toContain("BTC/USDT");
      repl.stdin.write("exit\n");
    } finally {
      repl.kill("SIGTERM");
      await mesh.stop();
      env.cleanup();
    }
  });
});
