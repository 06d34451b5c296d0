/**
 * Applies a running bot's booked fills to its ledger exactly once and in the order of the
 * bot's gap-free fill sequence (`seq`, numbered by MarketMakerStore.recordFill).
 *
 * `seq` is the last fill the bot's ledger includes: after a (re)start, the snapshot's
 * `fill_seq` plus the fills loaded after it (MarketMakerStore.loadLedger), so an older fill
 * announced again is ignored. A fill that skips ahead (an announcement missed or overtaken)
 * is not applied out of order: the fills after `seq` are read back from mm_fills instead,
 * one read at a time.
 */
import type { AccountingFill } from "./accounting";
import type { BookedFill, MarketMakerStore } from "./store";

/** What takes the fills (a Bot): true when the fill changed its ledger. */
export interface FillTarget {
  onFill(fill: AccountingFill & { clientOrderId: string | null }): boolean;
  onHedgeFill(fill: AccountingFill): boolean;
}

export interface FillSequenceDeps {
  bot: string;
  store: Pick<MarketMakerStore, "fillsAfter">;
  /** The running bot, or null while none runs (fills then wait in mm_fills). */
  target(): FillTarget | null;
  /** A fill changed the ledger; `seq` is now its seq. */
  applied?(fill: BookedFill, seq: number): void;
  /** Every fill read back from mm_fills, before it is applied. */
  readBack?(fill: BookedFill): void;
  warn(message: string): void;
}

export class FillSequence {
  /** The last fill the running bot's ledger includes (0: none). */
  seq = 0;
  private reading: Promise<void> = Promise.resolve();

  constructor(private readonly deps: FillSequenceDeps) {}

  /** A booked fill of this bot: applied if it is the next one, ignored if the ledger has it. */
  receive(fill: BookedFill): void {
    const target = this.deps.target();
    if (!target) return;
    if (fill.seq <= this.seq) return; // already in the ledger
    if (fill.seq !== this.seq + 1) {
      // A gap: apply what mm_fills has, in order.
      void this.catchUp().catch((err: Error) => this.deps.warn(`bot ${this.deps.bot}: fills not read: ${err.message}`));
      return;
    }
    this.seq = fill.seq;
    const changed = fill.role === "hedge" ? target.onHedgeFill(fill) : target.onFill(fill);
    if (changed) this.deps.applied?.(fill, this.seq);
  }

  /** Applies the fills booked after `seq`, in sequence order (reads queue behind each other). */
  catchUp(): Promise<void> {
    const run = async () => {
      if (!this.deps.target()) return;
      for (const f of await this.deps.store.fillsAfter(this.deps.bot, this.seq)) {
        this.deps.readBack?.(f);
        this.receive(f);
      }
    };
    this.reading = this.reading.then(run, run);
    return this.reading;
  }
}
