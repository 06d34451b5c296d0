/**
 * A running bot's row in mm_bots: a snapshot of its state and ledger that names the last fill
 * it includes (`fill_seq`), plus its PnL history.
 *
 * - A save is skipped when nothing changed since the last one written (the persist timer asks
 *   every few seconds); the fill seq is part of what "changed" means.
 * - A bot's saves run one after another in call order, so an older snapshot never lands after
 *   a newer one; a failed save is written again on the next call.
 * - PnL history gets a point per fill, and otherwise at most one per `historyIntervalMs`.
 */
import { money, type PnlState } from "./accounting";
import type { BotStatus } from "./bot";
import { ledgerColumns, type MarketMakerStore } from "./store";

/** What a snapshot is taken of (a Bot). */
export interface SnapshotSource {
  status(): BotStatus;
  readonly pnl: { state(): PnlState };
  /** Hedges sent and not finished yet: while there are any, hedged_seq stays where it was. */
  readonly hedgesInFlight: number;
}

export interface BotSnapshotsDeps {
  store: Pick<MarketMakerStore, "saveBot" | "appendPnl">;
  /** This node: a running bot's row names it. */
  nodeId: string;
  historyIntervalMs: number;
  now?: () => number;
}

export class BotSnapshots {
  /** What was last written per bot. */
  private readonly written = new Map<string, string>();
  /** Per bot: the tail of its saves. */
  private readonly saving = new Map<string, Promise<unknown>>();
  /** Per bot: when its last PnL history point was written and how many fills it had. */
  private readonly historyPoint = new Map<string, { at: number; fills: number }>();
  private readonly now: () => number;

  constructor(private readonly deps: BotSnapshotsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Saves a bot's row; `seq` is the last fill its ledger holds (read in the same turn as its
   * status, which this reads before anything waits).
   */
  async save(bot: SnapshotSource, seq: number): Promise<void> {
    const s = bot.status();
    const pnlState = JSON.stringify(bot.pnl.state());
    const hedged = bot.hedgesInFlight === 0;
    const fingerprint = JSON.stringify([seq, hedged, s.state, s.haltReason, s.ledger.fills, s.ledger.position, money(s.unrealized), pnlState]);
    if (this.written.get(s.name) === fingerprint) return;
    this.written.set(s.name, fingerprint);
    const write = async () => {
      await this.deps.store.saveBot({
        name: s.name,
        exchange: s.exchange,
        symbol: s.symbol,
        strategy: s.strategy,
        state: s.state === "starting" ? "running" : s.state,
        halt_reason: s.haltReason,
        node_id: s.state === "running" ? this.deps.nodeId : null,
        ...ledgerColumns(s.ledger, s.unrealized, seq),
        ...(hedged ? { hedged_seq: seq } : {}),
        pnl_state: pnlState,
      });
      const now = this.now();
      const last = this.historyPoint.get(s.name);
      if (last && last.fills === s.ledger.fills && now - last.at < this.deps.historyIntervalMs) return;
      this.historyPoint.set(s.name, { at: now, fills: s.ledger.fills });
      await this.deps.store.appendPnl(s.name, now, { position: s.ledger.position, realized: s.ledger.realized, unrealized: s.unrealized, feesPaid: s.ledger.feesPaid });
    };
    const run = (this.saving.get(s.name) ?? Promise.resolve()).then(write, write);
    this.saving.set(s.name, run.catch(() => undefined));
    try {
      await run;
    } catch (err) {
      if (this.written.get(s.name) === fingerprint) this.written.delete(s.name); // written again next time
      throw err;
    }
  }
}
