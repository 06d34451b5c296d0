/**
 * Two replicas of a compose node group, as `docker compose up --scale gateway=2` starts them:
 * two dist/bin/mmesh.js processes with the gateway's environment from docker-compose.yml
 * (servers pointed at 127.0.0.1). Moleculer stops a broker that sees its own node id on
 * another node, so with a pinned NODE_ID one of them would exit; both must stay.
 * Needs `npm run build`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import YAML from "yaml";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { uniqueName } from "../support/env";

const ROOT = path.resolve(__dirname, "../..");
const ENTRY = path.join(ROOT, "dist/bin/mmesh.js");
const LOCAL: Record<string, string> = {
  TRANSPORTER: process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222",
  CACHER: process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
  AMQP_URL: process.env.TEST_AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672",
};

/** The compose group's environment, its ${...} filled with samples. */
function composeEnv(group: string): Record<string, string> {
  const compose = YAML.parse(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), { merge: true });
  const samples: Record<string, string> = { JWT_SECRET: "j".repeat(40), MASTER_KEY: "m".repeat(16), POSTGRES_PASSWORD: "x", RABBITMQ_PASSWORD: "x" };
  return Object.fromEntries(
    Object.entries<unknown>(compose.services[group].environment).map(([k, v]) => [
      k,
      String(v).replace(/\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}/g, (_m, name: string, arg?: string) => samples[name] ?? (arg && !arg.startsWith("set ") ? arg : "")),
    ]),
  );
}

describe("two replicas of a compose group", () => {
  let db: TempDatabase;
  const children: ChildProcess[] = [];
  const dirs: string[] = [];
  let observer: ServiceBroker | null = null;

  beforeAll(async () => {
    db = await createTempDatabase();
  });

  afterAll(async () => {
    await observer?.stop();
    await Promise.all(children.map((c) => (c.exitCode !== null || c.signalCode !== null ? undefined : new Promise((r) => { c.once("exit", r); c.kill("SIGTERM"); }))));
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    await db?.drop();
  });

  it("both stay: the gateway's compose environment gives each process its own node id", async () => {
    const namespace = uniqueName("ids");
    const base: Record<string, string> = { ...composeEnv("gateway"), ...LOCAL, DATABASE_URL: db.url, NAMESPACE: namespace, API_HOST: "127.0.0.1", API_PORT: "0", METRICS_PORT: "off", LOG_LEVEL: "info" };
    expect(base.NODE_ID).toBeUndefined();
    const started = await Promise.all([1, 2].map(async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-ids-"));
      dirs.push(dir);
      const child = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH, ...base, DATA_DIR: dir } });
      children.push(child);
      let output = "";
      child.stdout!.on("data", (d) => (output += d));
      child.stderr!.on("data", (d) => (output += d));
      return new Promise<{ child: ChildProcess; nodeID: string; output: () => string }>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 60 s:\n${output}`)), 60_000);
        child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`exited with ${code} before starting:\n${output}`)); });
        const check = () => {
          const m = /mmesh node (\S+) started/.exec(output);
          if (m) { clearTimeout(timer); child.removeAllListeners("exit"); resolve({ child, nodeID: m[1], output: () => output }); }
          else if (child.exitCode === null) setTimeout(check, 50);
        };
        check();
      });
    }));
    const ids = started.map((s) => s.nodeID);
    expect(new Set(ids).size).toBe(2);

    // A third broker sees both, and each answers a ping: both discovered each other and stayed.
    observer = new ServiceBroker({ namespace, nodeID: uniqueName("observer"), transporter: LOCAL.TRANSPORTER as never, logger: false });
    await observer.start();
    const deadline = Date.now() + 30_000;
    for (;;) {
      const seen = observer.registry.getNodeList({ onlyAvailable: true, withServices: false }).map((n: { id: string }) => n.id);
      if (ids.every((id) => seen.includes(id))) break;
      if (Date.now() > deadline) throw new Error(`observer saw ${seen.join(", ")}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const id of ids) expect(await observer.ping(id, 5_000)).toMatchObject({ nodeID: id });
    for (const s of started) expect({ id: s.nodeID, exitCode: s.child.exitCode, conflict: /nodeID conflict/i.test(s.output()) }).toEqual({ id: s.nodeID, exitCode: null, conflict: false });
  }, 120_000);
});
