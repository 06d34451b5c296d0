/**
 * Moleculer's Memory cacher, also noting which objects it holds. Without `clone` it hands every
 * caller the very object it stored, so a cached answer is shared and never changes while it is
 * cached (callers must not mutate it, as with any Memory cacher without clone). Knowing that, the
 * gateway serializes such an answer once instead of on every request (see services/api.service.ts).
 * `peek` reads an entry without a promise, for the CacheFirst middleware (cache-first.ts).
 */
import { Cachers } from "moleculer";

const shared = new WeakSet<object>();

/** True when `value` is an object a SharedMemoryCacher stored (and hands out as is). */
export function isSharedCachedValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && shared.has(value);
}

interface MemoryEntry {
  data: unknown;
  expire: number | null;
}

export class SharedMemoryCacher extends Cachers.Memory {
  /** The cached answer under `key` as the cacher's `get` would give it, or undefined when missing or expired. */
  peek(key: string): { data: unknown } | undefined {
    const self = this as unknown as { cache: Map<string, MemoryEntry>; clone?: ((data: unknown) => unknown) | false };
    const entry = self.cache.get(key);
    if (entry === undefined || (entry.expire && entry.expire < Date.now())) return undefined;
    return { data: self.clone ? self.clone(entry.data) : entry.data };
  }

  override set(key: string, data: unknown, ttl?: number): Promise<void> {
    // With clone the stored copy is not what callers get: nothing to note.
    if (!(this as unknown as { clone?: unknown }).clone && typeof data === "object" && data !== null) shared.add(data);
    return super.set(key, data, ttl);
  }
}
