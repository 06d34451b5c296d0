/**
 * Feeds heard alert transitions to the history store without ever holding up alerting: `add`
 * returns at once, entries are written in order in the background, and while the database
 * cannot take them (down, or not migrated yet because it was down at start) they wait in a
 * bounded backlog, retried by the next `add` or `drain`. Recording is idempotent by messageId,
 * so a retried entry another replica wrote meanwhile is not doubled.
 */
import type { AlertHistoryEntry, AlertHistoryStore } from "./history";

export interface HistoryWriterOptions {
  /** Opens the store (migrating its table); called again after a failure. */
  open(): Promise<AlertHistoryStore>;
  /** Entries kept while the store cannot take them; beyond it the oldest are dropped. */
  backlogLimit: number;
  /** Once when writes start failing, and on dropping entries (not on every retry). */
  warn(message: string): void;
  /** When writes succeed again after failing. */
  info(message: string): void;
}

export class HistoryWriter {
  private readonly backlog: AlertHistoryEntry[] = [];
  private store: AlertHistoryStore | null = null;
  private opening: Promise<AlertHistoryStore> | null = null;
  private draining: Promise<void> | null = null;
  private failing = false;
  private dropped = 0;

  constructor(private readonly opts: HistoryWriterOptions) {
    if (!Number.isInteger(opts.backlogLimit) || opts.backlogLimit < 1) throw new RangeError("backlogLimit must be a positive integer");
  }

  /** Entries not written yet. */
  get pending(): number {
    return this.backlog.length;
  }

  /** Queues an entry and starts writing; never throws. */
  add(entry: AlertHistoryEntry): void {
    this.backlog.push(entry);
    const excess = this.backlog.length - this.opts.backlogLimit;
    if (excess > 0) {
      this.backlog.splice(0, excess);
      if (this.dropped === 0) this.opts.warn(`Alert history backlog full (${this.opts.backlogLimit}): dropping the oldest unsaved entries until the database takes writes again`);
      this.dropped += excess;
    }
    void this.drain();
  }

  /** The open store, opening it if needed; throws when the database cannot be reached. */
  ready(): Promise<AlertHistoryStore> {
    if (this.store) return Promise.resolve(this.store);
    this.opening ??= this.opts.open().then(
      (store) => {
        this.store = store;
        this.opening = null;
        return store;
      },
      (err: unknown) => {
        this.opening = null;
        throw err;
      },
    );
    return this.opening;
  }

  /** Writes the backlog in order until it is empty or a write fails (kept for the next try); never rejects. */
  drain(): Promise<void> {
    if (this.draining) return this.draining;
    if (this.backlog.length === 0) return Promise.resolve();
    this.draining = (async () => {
      try {
        const store = await this.ready();
        let written = 0;
        while (this.backlog.length > 0) {
          await store.record(this.backlog[0]);
          this.backlog.shift();
          written += 1;
        }
        if (this.failing || this.dropped > 0) {
          this.opts.info(`Alert history writable again: ${written} backlogged entr${written === 1 ? "y" : "ies"} written${this.dropped > 0 ? `, ${this.dropped} dropped while it was not` : ""}`);
          this.failing = false;
          this.dropped = 0;
        }
      } catch (err) {
        if (!this.failing) this.opts.warn(`Alert history not written (${this.backlog.length} waiting, retried with the next alert or tick): ${(err as Error).message}`);
        this.failing = true;
      } finally {
        this.draining = null;
      }
    })();
    return this.draining;
  }
}
