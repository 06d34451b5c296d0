import { DepthDiff, DepthSnapshot, diffUpdateIds, snapshotUpdateId } from './depth-messages';
import { L2Book, L2Levels, ParsedLevel, parseLevels } from './l2-book';

export type SyncState = 'awaiting-snapshot' | 'synced' | 'resyncing';

export type SyncOutcome =
  /** no usable snapshot yet: the update waits for one */
  | { kind: 'buffered'; buffered: number }
  /** a snapshot was applied, then the buffered updates that follow it */
  | { kind: 'synced'; lastUpdateId: number; applied: number; dropped: number }
  | { kind: 'applied'; lastUpdateId: number }
  /** the update is already in the book (u <= lastUpdateId) and was dropped */
  | { kind: 'stale'; finalUpdateId: number; lastUpdateId: number }
  /** updates are missing or out of order: the book was discarded, fetch a new snapshot */
  | { kind: 'gap'; expected: number; got: number }
  /** best bid >= best ask: the book is corrupt and was discarded, fetch a new snapshot */
  | { kind: 'crossed'; bestBid: string; bestAsk: string };

export interface OrderBookSynchronizerOptions {
  /** updates kept while waiting for a snapshot; the oldest are dropped beyond it */
  maxBuffered?: number;
}

interface PendingDiff {
  first: number;
  final: number;
  bids: ParsedLevel[];
  asks: ParsedLevel[];
}

/**
 * A local L2 book kept in step with an exchange from one REST snapshot and a stream of diffs,
 * following Binance's procedure: buffer the stream, fetch a snapshot, drop diffs the snapshot
 * already contains, and require each applied diff to continue exactly where the last one ended.
 */
export class OrderBookSynchronizer {
  private readonly book = new L2Book();
  private buffer: PendingDiff[] = [];
  private syncState: SyncState = 'awaiting-snapshot';
  private bookUpdateId: number | undefined;
  /** the first diff after a snapshot may start before it; later ones must start right after the last */
  private firstAfterSnapshot = false;
  private resyncCount = 0;
  private readonly maxBuffered: number;

  constructor(options: OrderBookSynchronizerOptions = {}) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
  }

  get state(): SyncState {
    return this.syncState;
  }

  /** true while the caller should fetch a REST snapshot */
  get needsSnapshot(): boolean {
    return this.syncState !== 'synced';
  }

  get lastUpdateId(): number | undefined {
    return this.bookUpdateId;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  get resyncs(): number {
    return this.resyncCount;
  }

  applySnapshot(snapshot: DepthSnapshot): SyncOutcome {
    const lastUpdateId = snapshotUpdateId(snapshot);
    const bids = parseLevels(snapshot.bids, 'bids');
    const asks = parseLevels(snapshot.asks, 'asks');
    this.book.clear();
    this.book.apply(bids, asks);
    this.bookUpdateId = lastUpdateId;
    this.firstAfterSnapshot = true;
    this.syncState = 'synced';
    const crossed = this.book.crossing();
    if (crossed) return this.startResync({ kind: 'crossed', ...crossed }, this.buffer);

    const pending = this.buffer;
    this.buffer = [];
    let applied = 0;
    let dropped = 0;
    for (let i = 0; i < pending.length; i++) {
      const outcome = this.applyPending(pending[i]);
      if (outcome.kind === 'stale') dropped += 1;
      else if (outcome.kind === 'applied') applied += 1;
      // keep the failing diff and those after it: the next snapshot may need them
      else return this.startResync(outcome, pending.slice(outcome.kind === 'gap' ? i : i + 1));
    }
    return { kind: 'synced', lastUpdateId: this.bookUpdateId ?? lastUpdateId, applied, dropped };
  }

  applyUpdate(diff: DepthDiff): SyncOutcome {
    const { first, final } = diffUpdateIds(diff);
    const pending: PendingDiff = { first, final, bids: parseLevels(diff.bids, 'bids'), asks: parseLevels(diff.asks, 'asks') };
    if (this.syncState !== 'synced') {
      this.buffer.push(pending);
      if (this.buffer.length > this.maxBuffered) this.buffer.shift();
      return { kind: 'buffered', buffered: this.buffer.length };
    }
    const outcome = this.applyPending(pending);
    if (outcome.kind === 'gap') return this.startResync(outcome, [pending]);
    if (outcome.kind === 'crossed') return this.startResync(outcome, []);
    return outcome;
  }

  /** Discards the book, e.g. after the stream reconnected; updates are buffered until the next snapshot. */
  resync(): void {
    this.startResync(undefined, []);
  }

  /** Best-first levels, at most `limit` per side; empty unless synced. */
  top(limit = Infinity): L2Levels & { lastUpdateId: number | undefined } {
    return { ...this.book.top(limit), lastUpdateId: this.bookUpdateId };
  }

  private applyPending(diff: PendingDiff): SyncOutcome {
    const current = this.bookUpdateId!;
    if (diff.final <= current) return { kind: 'stale', finalUpdateId: diff.final, lastUpdateId: current };
    const expected = current + 1;
    const continues = this.firstAfterSnapshot ? diff.first <= expected : diff.first === expected;
    if (!continues) return { kind: 'gap', expected, got: diff.first };
    this.book.apply(diff.bids, diff.asks);
    this.bookUpdateId = diff.final;
    this.firstAfterSnapshot = false;
    const crossed = this.book.crossing();
    if (crossed) return { kind: 'crossed', ...crossed };
    return { kind: 'applied', lastUpdateId: diff.final };
  }

  private startResync<T extends SyncOutcome | undefined>(outcome: T, keep: PendingDiff[]): T {
    this.book.clear();
    this.bookUpdateId = undefined;
    this.buffer = keep.slice(-this.maxBuffered);
    this.syncState = 'resyncing';
    this.resyncCount += 1;
    return outcome;
  }
}
