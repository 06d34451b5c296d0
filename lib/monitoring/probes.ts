/**
 * Probes of the servers mmesh depends on. Each answers { name, ok, latencyMs, error }
 * within its timeout and never throws; an error message never carries a password
 * (URLs in it are masked). Only servers the environment configures are probed.
 */
import amqplib from "amqplib";
import Redis from "ioredis";
import { connect as natsConnect } from "nats";
import { Client } from "pg";
import type { RuntimeEnv } from "../runtime/env";
import { maskUrl } from "../runtime/mask";

export interface ProbeResult {
  name: string;
  ok: boolean;
  latencyMs: number;
  /** Why it failed (masked), null when ok. */
  error: string | null;
  /** Extra facts the probe learnt (e.g. the chain's block number), never secrets. */
  detail?: Record<string, unknown>;
}

export type ServerKind = "postgres" | "redis" | "nats" | "amqp" | "rpc";

export interface ServerTarget {
  /** Shown in the status, e.g. "postgres", "redis", "nats", "rabbitmq", "rpc". */
  name: string;
  kind: ServerKind;
  url: string;
}

export const DEFAULT_PROBE_TIMEOUT_MS = 3_000;

/** Removes anything that looks like a URL password from a message. */
export function maskMessage(message: string): string {
  // maskUrl, plus URLs with a password but no user name (redis://:secret@host).
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi, (url) => maskUrl(url).replace(/(\/\/:)[^@/\s]+@/, "$1****@"));
}

class ProbeTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/** Runs `work` with a deadline; `cleanup` is called when the deadline passes first. */
export async function withTimeout<T>(work: Promise<T>, ms: number, cleanup?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      cleanup?.();
      reject(new ProbeTimeout(ms));
    }, ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}

/** Times `check` and turns its outcome into a ProbeResult. */
export async function runProbe(
  name: string,
  timeoutMs: number,
  check: () => Promise<Record<string, unknown> | void>,
  cleanup?: () => void,
): Promise<ProbeResult> {
  const started = process.hrtime.bigint();
  const elapsed = () => Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10;
  try {
    const detail = await withTimeout(check(), timeoutMs, cleanup);
    return { name, ok: true, latencyMs: elapsed(), error: null, ...(detail ? { detail } : {}) };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: { message?: string; code?: string } };
    let message = e.message || e.code || String(err);
    const cause = e.cause?.message || e.cause?.code;
    if (cause && !message.includes(cause)) message = `${message}: ${cause}`;
    return { name, ok: false, latencyMs: elapsed(), error: maskMessage(message) };
  }
}

export function probePostgres(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, name = "postgres"): Promise<ProbeResult> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on("error", () => undefined);
  return runProbe(name, timeoutMs, async () => {
    try {
      await client.connect();
      await client.query("SELECT 1");
    } finally {
      await client.end().catch(() => undefined);
    }
  }, () => void client.end().catch(() => undefined));
}

export function probeRedis(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, name = "redis"): Promise<ProbeResult> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  let lastError: Error | null = null;
  redis.on("error", (err: Error) => {
    lastError = err;
  });
  return runProbe(name, timeoutMs, async () => {
    try {
      await redis.connect().catch((err: Error) => {
        throw lastError ?? err;
      });
      const pong = await redis.ping();
      if (pong !== "PONG") throw new Error(`unexpected PING answer ${pong}`);
    } finally {
      redis.disconnect();
    }
  }, () => redis.disconnect());
}

export function probeNats(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, name = "nats"): Promise<ProbeResult> {
  let closer: (() => void) | undefined;
  return runProbe(name, timeoutMs, async () => {
    const nc = await natsConnect({ servers: url.replace(/^nats:\/\//, ""), timeout: timeoutMs, reconnect: false, maxReconnectAttempts: 0 });
    closer = () => void nc.close().catch(() => undefined);
    try {
      await nc.flush();
    } finally {
      await nc.close().catch(() => undefined);
    }
  }, () => closer?.());
}

export function probeAmqp(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, name = "rabbitmq"): Promise<ProbeResult> {
  let closer: (() => void) | undefined;
  return runProbe(name, timeoutMs, async () => {
    const conn = await amqplib.connect(url, { timeout: timeoutMs });
    conn.on("error", () => undefined);
    closer = () => void conn.close().catch(() => undefined);
    await conn.close();
  }, () => closer?.());
}

/** JSON-RPC `eth_blockNumber` over HTTP(S). WebSocket endpoints are reported as not probed. */
export function probeRpc(url: string, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS, name = "rpc"): Promise<ProbeResult> {
  const abort = new AbortController();
  return runProbe(name, timeoutMs, async () => {
    if (!/^https?:/i.test(url)) throw new Error("only http(s) RPC endpoints are probed");
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }),
      signal: abort.signal,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = (await res.json()) as { result?: string; error?: { message?: string } };
    if (typeof body.result !== "string") throw new Error(`no block number: ${body.error?.message ?? "empty answer"}`);
    return { blockNumber: Number(BigInt(body.result)) };
  }, () => abort.abort());
}

/** The servers the environment configures: DATABASE_URL (postgres), CACHER (redis), TRANSPORTER, AMQP_URL, RPC_URL. */
export function serverTargets(env: Pick<RuntimeEnv, "database" | "cacher" | "transporter" | "amqpUrl" | "rpcUrl">): ServerTarget[] {
  const targets: ServerTarget[] = [];
  if (env.database.dialect === "postgres") targets.push({ name: "postgres", kind: "postgres", url: env.database.url });
  if (env.cacher.type === "Redis") targets.push({ name: "redis", kind: "redis", url: env.cacher.url });
  if (env.transporter !== null) {
    if (env.transporter.startsWith("nats")) targets.push({ name: "nats", kind: "nats", url: env.transporter });
    else targets.push({ name: "rabbitmq-transporter", kind: "amqp", url: env.transporter });
  }
  if (env.amqpUrl !== null) targets.push({ name: "rabbitmq", kind: "amqp", url: env.amqpUrl });
  if (env.rpcUrl !== null) targets.push({ name: "rpc", kind: "rpc", url: env.rpcUrl });
  return targets;
}

export function probeTarget(target: ServerTarget, timeoutMs = DEFAULT_PROBE_TIMEOUT_MS): Promise<ProbeResult> {
  switch (target.kind) {
    case "postgres": return probePostgres(target.url, timeoutMs, target.name);
    case "redis": return probeRedis(target.url, timeoutMs, target.name);
    case "nats": return probeNats(target.url, timeoutMs, target.name);
    case "amqp": return probeAmqp(target.url, timeoutMs, target.name);
    case "rpc": return probeRpc(target.url, timeoutMs, target.name);
  }
}
