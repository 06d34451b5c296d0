/**
 * Gateway: req/s of an authenticated, cached GET through mmesh's gateway
 * (GET /api/v1/config/markets with a bearer JWT → config.list, cached) against a bare
 * moleculer-web route (GET /api/hello → a constant, no auth) in the same run. Servers in a
 * child process (bench/gateway/server), load from this process with autocannon
 * (100 connections, no pipelining). Rounds alternate bare, mmesh, bare, mmesh, …; each
 * figure is the mean over its rounds. Bounded: 2 s warm-up + R rounds × S s each side
 * (default 2 × 8 s). Run after `npm run build`:
 *   node dist/bench/gateway/gateway.js [--rounds=2] [--seconds=8] [--connections=100] [--only=bare|mmesh]
 * --only loads one side (no ratio): for profiling the server process with
 * BENCH_GW_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=/tmp/gwprof", which holds both servers.
 * Each side also reports the server process's CPU time (user + system, from /proc) per
 * request: on a shared 2-core machine req/s swings with other load and with autocannon
 * competing for the same cores, while CPU per request says what the gateway itself costs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Children, emitJson, freePort, until } from "../floor/support";
import { BENCH_ADMIN_PASSWORD } from "./server";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (opts: Record<string, unknown>) => Promise<AutocannonResult>;
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

const arg = (name: string, fallback: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;

/** user + system CPU time of a process so far (Linux /proc; 10 ms ticks). */
function serverCpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function main(): Promise<void> {
  const rounds = Number(arg("rounds", "2"));
  const seconds = Number(arg("seconds", "8"));
  const connections = Number(arg("connections", "100"));
  const only = arg("only", "");
  const sides = (["bare", "mmesh"] as const).filter((k) => !only || k === only);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-gw-"));
  const children = new Children();
  try {
    const [mmeshPort, barePort] = [await freePort(), await freePort()];
    const server = await children.start("gateway-server", path.join(__dirname, "server.js"), process.env.BENCH_GW_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GW_NODE_OPTIONS } : {}, { args: [String(mmeshPort), String(barePort), dataDir], readyLine: /ready/ });
    const mmeshBase = `http://127.0.0.1:${mmeshPort}`;
    await until("login route", async () => (await fetch(`${mmeshBase}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" }).catch(() => null))?.status === 422, 30_000);
    const login = await fetch(`${mmeshBase}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: BENCH_ADMIN_PASSWORD }) });
    const token = ((await login.json()) as { accessToken: string }).accessToken;
    const authHeaders = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    // The gateway adds routes as services appear: wait for the config routes.
    await until("config routes", async () => (await fetch(`${mmeshBase}/api/v1/config/markets`, { headers: authHeaders })).status === 200, 30_000);
    // One markets document so the cached answer is not empty.
    const put = await fetch(`${mmeshBase}/api/v1/config/markets/paper-btc`, { method: "PUT", headers: authHeaders, body: JSON.stringify({ body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } }) });
    if (!put.ok) throw new Error(`config PUT failed: ${put.status} ${await put.text()}`);
    const check = await fetch(`${mmeshBase}/api/v1/config/markets`, { headers: authHeaders });
    const bodyText = await check.text();
    if (check.status !== 200) throw new Error(`GET /api/v1/config/markets: ${check.status} ${bodyText}`);
    const bare = await fetch(`http://127.0.0.1:${barePort}/api/hello`);
    if (bare.status !== 200) throw new Error(`GET /api/hello: ${bare.status}`);

    const targets = {
      bare: { url: `http://127.0.0.1:${barePort}/api/hello`, headers: {} as Record<string, string> },
      mmesh: { url: `${mmeshBase}/api/v1/config/markets`, headers: { authorization: `Bearer ${token}` } },
    };
    const cpu: Record<"bare" | "mmesh", number[]> = { bare: [], mmesh: [] };
    const measure = async (k: "bare" | "mmesh", duration: number) => {
      const before = serverCpuMs(server.pid!);
      const result = await autocannon({ url: targets[k].url, headers: targets[k].headers, connections, pipelining: 1, duration });
      cpu[k].push((1000 * (serverCpuMs(server.pid!) - before)) / Math.max(1, result.requests.total));
      return result;
    };
    for (const k of sides) await measure(k, 2);
    for (const k of sides) cpu[k].length = 0;
    const acc: Record<"bare" | "mmesh", AutocannonResult[]> = { bare: [], mmesh: [] };
    for (let r = 0; r < rounds; r++) {
      for (const k of sides) acc[k].push(await measure(k, seconds));
    }
    if (only) {
      const xs = acc[only as "bare" | "mmesh"];
      console.log(`gateway --only=${only}: rounds ${xs.map((x) => Math.round(x.requests.average)).join(", ")} req/s, server CPU ${cpu[only as "bare" | "mmesh"].map(Math.round).join(", ")} µs/req, non-2xx ${xs.reduce((s, x) => s + x.non2xx, 0)}`);
      return;
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const fig = (k: "bare" | "mmesh") => ({
      reqPerSec: Math.round(mean(acc[k].map((x) => x.requests.average))),
      p50Ms: mean(acc[k].map((x) => x.latency.p50)),
      p99Ms: mean(acc[k].map((x) => x.latency.p99)),
      non2xx: acc[k].reduce((s, x) => s + x.non2xx, 0),
      errors: acc[k].reduce((s, x) => s + x.errors + x.timeouts, 0),
      perRound: acc[k].map((x) => Math.round(x.requests.average)),
      serverCpuUsPerReq: Math.round(mean(cpu[k]) * 10) / 10,
    });
    const b = fig("bare");
    const m = fig("mmesh");
    const ratio = m.reqPerSec / b.reqPerSec;
    console.log(`gateway: autocannon, ${connections} connections, ${rounds} × ${seconds} s per route (alternating), servers in one child process (embedded, Memory cacher)`);
    console.log(`  bare moleculer-web GET /api/hello (no auth):            ${b.reqPerSec} req/s  p50 ${b.p50Ms} ms  p99 ${b.p99Ms} ms  non-2xx ${b.non2xx}  errors ${b.errors}  rounds ${b.perRound.join(", ")}  server CPU ${b.serverCpuUsPerReq} µs/req`);
    console.log(`  mmesh GET /api/v1/config/markets (bearer JWT, cached):  ${m.reqPerSec} req/s  p50 ${m.p50Ms} ms  p99 ${m.p99Ms} ms  non-2xx ${m.non2xx}  errors ${m.errors}  rounds ${m.perRound.join(", ")}  server CPU ${m.serverCpuUsPerReq} µs/req`);
    console.log(`  ratio mmesh / bare = ${(100 * ratio).toFixed(0)}% (goal ≥ 80%)`);
    emitJson("gateway", { connections, rounds, seconds, bare: b, mmesh: m, ratio: Number(ratio.toFixed(3)), goalRatio: 0.8, responseBytes: bodyText.length });
  } finally {
    await children.stopAll();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
