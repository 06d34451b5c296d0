/**
 * Moleculer's Memory cacher, also noting which objects it holds. Without `clone` it hands every
 * caller the very object it stored, so a cached answer is shared and never changes while it is
 * cached (callers must not mutate it, as with any Memory cacher without clone). Knowing that, the
 * gateway serializes such an answer once instead of on every request (see services/api.service.ts).
 */
import { Cachers } from "moleculer";

const shared = new WeakSet<object>();

/** True when `value` is an object a SharedMemoryCacher stored (and hands out as is). */
export function isSharedCachedValue(value: unknown): boolean {
  return typeof value === "object" && value !== null && shared.has(value);
}

export class SharedMemoryCacher extends Cachers.Memory {
  override set(key: string, data: unknown, ttl?: number): Promise<void> {
    // With clone the stored copy is not what callers get: nothing to note.
    if (!(this as unknown as { clone?: unknown }).clone && typeof data === "object" && data !== null) shared.add(data);
    return super.set(key, data, ttl);
  }
}
