/**
 * What a password guesser costs the embedded gateway (api + auth in one process, SQLite):
 * the time of a refused login that ran scrypt, of one refused by the throttle (no scrypt), how
 * many scrypt checks 200 guesses caused (a forged bearer's 401 for scale), and how many of 1000 requests with a fresh random
 * bearer each were served under RATE_LIMIT_PER_MINUTE=600.
 *   npm run build && node dist/bench/auth/login.js
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { passwordChecks } from "../../lib/auth/passwords";
import { readEnv } from "../../lib/runtime/env";
import { createNode } from "../../services";

const ADMIN_PASSWORD = "bench-admin-password";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-bench-auth-"));
  const env = readEnv({
    SERVICES: "api,auth",
    DATA_DIR: dataDir,
    API_PORT: "0",
    METRICS_PORT: "off",
    LOG_LEVEL: "error",
    ADMIN_PASSWORD,
    JWT_SECRET: randomBytes(32).toString("hex"),
    RATE_LIMIT_PER_MINUTE: "600",
    DEMO_BOT: "off",
    NODE_ID: "bench-auth",
  });
  const broker = createNode(env, { logger: false });
  await broker.start();
  try {
    const api = broker.getLocalService("api") as unknown as { server: { address(): AddressInfo } };
    const base = `http://127.0.0.1:${api.server.address().port}`;
    const login = async (password: string, username = "admin-x") => {
      const started = process.hrtime.bigint();
      const res = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
      await res.text();
      return { status: res.status, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    // Route ready (the first answer that is not 404).
    for (let i = 0; i < 100 && (await login("warm-up", "warm-up")).status === 404; i++) await new Promise((r) => setTimeout(r, 50));

    const before = passwordChecks.count;
    const hashed: number[] = [];
    const throttled: number[] = [];
    for (let i = 0; i < 200; i++) {
      const { status, ms } = await login(`guess-${i}`);
      (status === 429 ? throttled : hashed).push(ms);
    }
    const checks = passwordChecks.count - before;

    const forged: number[] = [];
    for (let i = 0; i < 50; i++) {
      const started = process.hrtime.bigint();
      await (await fetch(`${base}/api/v1/auth/me`, { headers: { authorization: "Bearer x.y.z" } })).text();
      forged.push(Number(process.hrtime.bigint() - started) / 1e6);
    }

    const flood: Record<number, number> = {};
    for (let i = 0; i < 1000; i++) {
      const res = await fetch(`${base}/api/v1/health`, { headers: { authorization: `Bearer ${randomBytes(24).toString("base64url")}` } });
      await res.text();
      flood[res.status] = (flood[res.status] ?? 0) + 1;
    }

    console.log("| measure | value |");
    console.log("|---|---|");
    console.log(`| wrong-password logins answered 401 after scrypt | ${hashed.length}, median ${median(hashed).toFixed(1)} ms |`);
    console.log(`| logins refused 429 by the throttle | ${throttled.length}, median ${median(throttled).toFixed(2)} ms |`);
    console.log(`| scrypt checks for 200 guesses | ${checks} |`);
    console.log(`| for scale: a forged bearer refused 401 on GET /auth/me | median ${median(forged).toFixed(2)} ms |`);
    console.log(`| 1000 requests, a fresh random bearer each, limit 600/min | ${Object.entries(flood).map(([s, n]) => `${n}× ${s}`).join(", ")} |`);
  } finally {
    await broker.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
