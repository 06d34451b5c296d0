/**
 * Delivered-once memory shared by every notification replica: a delivery (message id,
 * channel, recipient) is claimed before it is sent, confirmed after, released when the
 * send failed. A claim left by a replica that died mid-send expires after `pendingTtlMs`,
 * so the bus's redelivery sends it then; a confirmed delivery is remembered `doneTtlMs`.
 *
 * createDeliveryClaims picks the backend from the runtime environment: CACHER=redis://…
 * → Redis (SET NX, shared by the replicas), otherwise this process's memory (the embedded
 * default: one notification service).
 */
import Redis from "ioredis";
import type { RuntimeEnv } from "../runtime/env";
import { DeliveryLog } from "./routing";

export interface DeliveryClaims {
  /** True when this caller may send: nobody delivered it, nor is sending it now. */
  claim(key: string): Promise<boolean>;
  confirm(key: string): Promise<void>;
  release(key: string): Promise<void>;
  close(): Promise<void>;
}

export interface ClaimTtls {
  pendingTtlMs: number;
  doneTtlMs: number;
}

export const DEFAULT_CLAIM_TTLS: ClaimTtls = { pendingTtlMs: 60_000, doneTtlMs: 7 * 24 * 3600_000 };

export class MemoryDeliveryClaims implements DeliveryClaims {
  private readonly done = new DeliveryLog();
  private readonly pending = new Set<string>();

  async claim(key: string): Promise<boolean> {
    if (this.done.has(key) || this.pending.has(key)) return false;
    this.pending.add(key);
    return true;
  }

  async confirm(key: string): Promise<void> {
    this.pending.delete(key);
    this.done.add(key);
  }

  async release(key: string): Promise<void> {
    this.pending.delete(key);
  }

  async close(): Promise<void> {}
}

export class RedisDeliveryClaims implements DeliveryClaims {
  private readonly redis: Redis;

  constructor(url: string, private readonly prefix: string, private readonly ttls: ClaimTtls = DEFAULT_CLAIM_TTLS) {
    // Connected on first use and again after close(): the service closes it on stop and may be started again.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: true });
    // Errors surface on the calls (the delivery is then retried by the bus); no unhandled 'error' event.
    this.redis.on("error", () => undefined);
  }

  private async ready(): Promise<Redis> {
    if (this.redis.status === "end") await this.redis.connect();
    return this.redis;
  }

  private k(key: string): string {
    return `${this.prefix}:delivered:${key}`;
  }

  async claim(key: string): Promise<boolean> {
    return (await (await this.ready()).set(this.k(key), "pending", "PX", this.ttls.pendingTtlMs, "NX")) === "OK";
  }

  async confirm(key: string): Promise<void> {
    await (await this.ready()).set(this.k(key), "done", "PX", this.ttls.doneTtlMs);
  }

  async release(key: string): Promise<void> {
    // Only our pending claim: a confirmed delivery is never forgotten.
    await (await this.ready()).eval("if redis.call('GET', KEYS[1]) == 'pending' then return redis.call('DEL', KEYS[1]) end return 0", 1, this.k(key));
  }

  async close(): Promise<void> {
    if (this.redis.status === "end" || this.redis.status === "wait") return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

export function createDeliveryClaims(env: Pick<RuntimeEnv, "cacher" | "namespace">, ttls: ClaimTtls = DEFAULT_CLAIM_TTLS): DeliveryClaims {
  if (env.cacher.type === "Redis") return new RedisDeliveryClaims(env.cacher.url, `${env.namespace}:notification`, ttls);
  return new MemoryDeliveryClaims();
}
