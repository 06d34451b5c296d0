/**
 * Helpers shared by the multi-process benchmarks (bench/floor, mesh-tick-to-order,
 * throughput, gateway, memory): percentiles, child processes, a temp PostgreSQL database,
 * and the machine-readable `BENCH_JSON` line bench/run-all collects.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { Client } from "pg";

export const NATS_URL = process.env.BENCH_NATS_URL ?? "nats://127.0.0.1:4222";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379";
export const PG_ADMIN_URL = process.env.BENCH_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
export const AMQP_URL = process.env.BENCH_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
/** The built mmesh binary (dist/bin/mmesh.js) seen from dist/bench/<name>/. */
export const MMESH_BIN = path.resolve(__dirname, "../../bin/mmesh.js");

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const uniqueName = (prefix: string) => `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export function summarize(samples: number[]): { n: number; p50: number; p99: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
  return { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1], mean };
}

/** Milliseconds with 3 decimals from a hrtime difference. */
export const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

export async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not met within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Prints the figures bench/run-all.ts collects. */
export function emitJson(name: string, figures: Record<string, unknown>): void {
  console.log(`BENCH_JSON ${JSON.stringify({ name, ...figures })}`);
}

export interface TempDatabase { url: string; drop(): Promise<void> }

export async function createTempDatabase(): Promise<TempDatabase> {
  const name = uniqueName("mmesh_bench").toLowerCase();
  const admin = async (sql: string) => {
    const c = new Client({ connectionString: PG_ADMIN_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  return { url: PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Child processes started by one benchmark; all are SIGKILLed on exit. */
export class Children {
  readonly list: Array<{ name: string; child: ChildProcess }> = [];

  /** Spawns `node <script>` with `env` (PATH added); resolves once stdout printed `readyLine` (if given). */
  start(name: string, script: string, env: Record<string, string>, opts: { args?: string[]; readyLine?: RegExp; timeoutMs?: number; stderr?: boolean } = {}): Promise<ChildProcess> {
    const child = spawn(process.execPath, [script, ...(opts.args ?? [])], {
      // BENCH_CHILD_NODE_OPTIONS (e.g. --cpu-prof) reaches every child process of a benchmark.
      env: { PATH: process.env.PATH ?? "", ...(process.env.BENCH_CHILD_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_CHILD_NODE_OPTIONS } : {}), ...env },
      stdio: ["ignore", "pipe", opts.stderr === false ? "ignore" : "inherit"],
    });
    this.list.push({ name, child });
    let out = "";
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: not ready within ${opts.timeoutMs ?? 60_000} ms`)), opts.timeoutMs ?? 60_000);
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (!opts.readyLine || opts.readyLine.test(out)) {
          clearTimeout(timer);
          resolve(child);
        }
        if (out.length > 100_000) out = out.slice(-10_000);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before ready`));
      });
      if (!opts.readyLine) {
        clearTimeout(timer);
        resolve(child);
      }
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.list.map(({ child }) =>
        child.exitCode !== null || child.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((resolve) => {
              const t = setTimeout(() => {
                child.kill("SIGKILL");
                resolve();
              }, 5000);
              child.once("exit", () => {
                clearTimeout(t);
                resolve();
              });
              child.kill("SIGTERM");
            }),
      ),
    );
  }
}

/** Environment for a `dist/bin/mmesh.js` node of a benchmark mesh. */
export function meshEnv(namespace: string, nodeID: string, services: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TRANSPORTER: NATS_URL,
    CACHER: REDIS_URL,
    NAMESPACE: namespace,
    NODE_ID: nodeID,
    SERVICES: services,
    METRICS_PORT: "off",
    LOG_LEVEL: "warn",
    DEMO_BOT: "off",
    // Explicit local choices: a node with a transporter refuses unset ones (lib/runtime/cluster-settings.ts).
    AMQP_URL: "memory",
    DATABASE_URL: `sqlite:${path.join(extra.DATA_DIR ?? path.resolve("data"), "mmesh.sqlite")}`,
    ...extra,
  };
}
