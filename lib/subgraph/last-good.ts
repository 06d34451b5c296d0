/**
 * The last good answer per query, kept in memory without expiry, so that when the
 * subgraph fails an expired cache entry can still be answered with the previous
 * data, flagged `stale: true` with when the data was fetched, since when the
 * source has been failing and why.
 */

export interface FreshResult<T> {
  data: T;
  stale: false;
  fetchedAt: string;
}

export interface StaleResult<T> {
  data: T;
  stale: true;
  fetchedAt: string;
  /** First failure since the data was fetched. */
  staleSince: string;
  error: { type: string; message: string };
}

export type SubgraphResult<T> = FreshResult<T> | StaleResult<T>;

interface Entry {
  data: unknown;
  fetchedAt: number;
  failingSince: number | null;
}

export class LastGoodStore {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(opts: { now?: () => number; maxEntries?: number } = {}) {
    this.now = opts.now ?? Date.now;
    this.maxEntries = opts.maxEntries ?? 1000;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records a good answer and returns it as fresh. */
  remember<T>(key: string, data: T): FreshResult<T> {
    const fetchedAt = this.now();
    this.entries.delete(key); // re-insert: the Map's order is the eviction order
    this.entries.set(key, { data, fetchedAt, failingSince: null });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return { data, stale: false, fetchedAt: new Date(fetchedAt).toISOString() };
  }

  /** The last good answer flagged stale, or null when there is none. */
  fallback<T>(key: string, error: { type: string; message: string }): StaleResult<T> | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.failingSince === null) entry.failingSince = this.now();
    return { data: entry.data as T, stale: true, fetchedAt: new Date(entry.fetchedAt).toISOString(), staleSince: new Date(entry.failingSince).toISOString(), error };
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * Runs `load`; a success is remembered, a failure `isFailure` accepts is answered
 * from the last good data when there is some, and rethrown otherwise.
 */
export async function withLastGood<T>(
  store: LastGoodStore,
  key: string,
  load: () => Promise<T>,
  describe: (err: unknown) => { type: string; message: string } | null,
): Promise<SubgraphResult<T>> {
  try {
    return store.remember(key, await load());
  } catch (err) {
    const error = describe(err);
    const stale = error ? store.fallback<T>(key, error) : null;
    if (stale) return stale;
    throw err;
  }
}
