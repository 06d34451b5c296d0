/**
 * Group commit of an in-process venue's orders and fills (the paper exchange). Its answers come
 * in microseconds, so one insert per order cannot keep up with a burst: the writes are queued,
 * and each flush writes everything queued so far in a few statements (fills in one INSERT, new
 * orders in one INSERT, changed orders in one INSERT … ON CONFLICT DO UPDATE). A caller that
 * acknowledges an order awaits the flush that holds it, so the acknowledgement comes after the
 * commit, and many concurrent acknowledgements share one commit.
 *
 * The queue holds keys, not rows: a flush writes each key's row as it is then (the store's
 * latest state), so several reports of one order before a flush cost one row write.
 *
 * Bounded: `full` tells the placement path to refuse new orders (503, retry later) while the
 * backlog (with the orders accepted but not queued yet) is at `maxQueued`; a venue's own events
 * (fills of orders already accepted) are always taken.
 *
 * A write nobody waits for (a cancel's report, a venue event) waits up to `lazyMs` and goes with
 * the writes queued by then; one that is waited for, and every fill, is flushed at once without
 * them (an acknowledgement waits for one statement, not for a cancel's too).
 */
import { UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import type { WireFill } from "./convert";
import type { OrderRow } from "./order-store";

export interface OrderWriteQueueOptions {
  /** Queued orders and fills beyond which `full` is true. Default 2000. */
  maxQueued?: number;
  /** Most orders (and most fills) written by one statement. Default 500. */
  maxBatch?: number;
  /** How long a write nobody waits for may wait for others. Default 5 ms. */
  lazyMs?: number;
}

/** `taken`: the clientOrderId is stored already (by another process). */
export type OrderWriteOutcome = "written" | "taken" | Error;

export interface OrderWriteSource {
  /** The row to write for `key` now, and whether the table has no row for it yet; null: nothing to write. */
  rowToWrite(key: string): { row: OrderRow; insert: boolean } | null;
  /** After each row's write, before its waiters resume. */
  orderWritten(key: string, row: OrderRow, outcome: OrderWriteOutcome): void;
  /** The queue has written everything it was given so far (writes nobody waits for may follow). */
  idle?(): void;
}

export class OrderIdTaken extends Error {
  override name = "OrderIdTaken";
}

class Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (err: unknown) => void;
  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => undefined); // a write nobody awaits may fail: the store reports it
  }
}

/** The columns an update of a stored order may change (never its identity or creation time). */
const UPDATED_COLUMNS = ["exchange_order_id", "price", "amount", "filled", "remaining", "status", "fee_cost", "fee_currency", "updated_at"];

export function orderColumns(row: OrderRow): Omit<OrderRow, "id"> {
  const { id: _unassigned, ...columns } = row;
  return columns;
}

export function fillColumns(fill: WireFill) {
  return {
    exchange: fill.exchange,
    trade_id: fill.tradeId,
    exchange_order_id: fill.orderId,
    client_order_id: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    price: fill.price,
    amount: fill.amount,
    cost: fill.cost,
    taker_or_maker: fill.takerOrMaker,
    fee_cost: fill.fee.cost,
    fee_currency: fill.fee.currency,
    timestamp: fill.timestamp,
    created_at: new Date(),
  };
}

export class OrderWriteQueue {
  /** Keys to write, with the promise of that write. Insertion order = write order. */
  private readonly dirty = new Map<string, Deferred>();
  /** The dirty keys someone waits for: flushed at once (the others wait up to lazyMs for company). */
  private readonly urgent = new Set<string>();
  /** The lazy writes' time has come (or a drain wants everything). */
  private lazyDue = false;
  /** Keys being written by the running flush. */
  private readonly inFlight = new Map<string, Deferred>();
  private fills: Array<{ fill: WireFill; done: Deferred<boolean> }> = [];
  private fillsInFlight: Array<{ fill: WireFill; done: Deferred<boolean> }> = [];
  private running: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private readonly maxQueued: number;
  private readonly maxBatch: number;
  private readonly lazyMs: number;

  constructor(
    private readonly orders: ModelStatic<Model>,
    private readonly fillsModel: ModelStatic<Model>,
    private readonly source: OrderWriteSource,
    options: OrderWriteQueueOptions = {},
  ) {
    this.maxQueued = options.maxQueued ?? 2000;
    this.maxBatch = options.maxBatch ?? 500;
    this.lazyMs = options.lazyMs ?? 5;
  }

  /** Orders and fills queued or being written. */
  get backlog(): number {
    return this.dirty.size + this.inFlight.size + this.fills.length + this.fillsInFlight.length;
  }

  /** True when `accepted` more orders (not queued yet) plus the backlog reach `maxQueued`. */
  full(accepted = 0): boolean {
    return this.backlog + accepted >= this.maxQueued;
  }

  /**
   * Queues the write of `key`'s current row; resolves when a flush has written it (rejects with
   * the write's error, or OrderIdTaken). `urgent`: flush now rather than after lazyMs.
   */
  write(key: string, urgent: boolean): Promise<void> {
    let done = this.dirty.get(key);
    if (!done) {
      done = new Deferred();
      this.dirty.set(key, done);
    }
    if (urgent) this.urgent.add(key);
    this.schedule(urgent);
    return done.promise;
  }

  /** The promise of `key`'s queued or running write (flushed now); null when none is queued. */
  pending(key: string): Promise<void> | null {
    const queued = this.dirty.get(key);
    if (queued) {
      this.urgent.add(key);
      this.schedule(true);
      return queued.promise;
    }
    return this.inFlight.get(key)?.promise ?? null;
  }

  /** True when a write of `key` is queued and not started yet. */
  queued(key: string): boolean {
    return this.dirty.has(key);
  }

  /** True when a write of `key` is running now. */
  writing(key: string): boolean {
    return this.inFlight.has(key);
  }

  /** Queues a fill (flushed now); resolves true when it was new, false when stored before. */
  writeFill(fill: WireFill): Promise<boolean> {
    const done = new Deferred<boolean>();
    this.fills.push({ fill, done });
    this.schedule(true);
    return done.promise;
  }

  /** Resolves once everything queued so far (and queued meanwhile) is written or failed. */
  async drain(): Promise<void> {
    while (this.running || this.dirty.size > 0 || this.fills.length > 0) {
      this.lazyDue = true;
      if (!this.running) this.start();
      await this.running;
    }
  }

  /** What the next flush takes: waited-for writes and fills always, the others once lazyMs passed. */
  private hasWork(): boolean {
    return this.urgent.size > 0 || this.fills.length > 0 || (this.lazyDue && this.dirty.size > 0);
  }

  private schedule(urgent: boolean): void {
    if (urgent) {
      if (!this.running) this.immediate ??= setImmediate(() => this.start());
    } else {
      this.timer ??= setTimeout(() => {
        this.timer = null;
        this.lazyDue = true;
        this.start();
      }, this.lazyMs);
    }
  }

  private start(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = null;
    // Running: it loops while there is work. No work: an earlier start took it already. (With
    // work, flushOnce always awaits the database, so `running` is set before the loop ends.)
    if (this.running || !this.hasWork()) return;
    this.running = (async () => {
      try {
        while (this.hasWork()) await this.flushOnce();
      } catch (err) {
        // Not a write's failure (those are outcomes): fail the waiters rather than leave them hanging.
        for (const done of this.inFlight.values()) done.reject(err);
        for (const { done } of this.fillsInFlight) done.reject(err);
        this.inFlight.clear();
        this.fillsInFlight = [];
      } finally {
        this.running = null;
        if (this.dirty.size > 0) this.schedule(false); // writes nobody waits for, left for their timer
        else this.source.idle?.();
      }
    })();
  }

  private async flushOnce(): Promise<void> {
    const keys = [...(this.lazyDue ? this.dirty.keys() : this.urgent)].slice(0, this.maxBatch);
    for (const key of keys) {
      this.inFlight.set(key, this.dirty.get(key)!);
      this.dirty.delete(key);
      this.urgent.delete(key);
    }
    if (this.dirty.size === 0) this.lazyDue = false;
    const fills = this.fills.splice(0, this.maxBatch);
    this.fillsInFlight = fills;
    const rows = keys.map((key) => ({ key, todo: this.source.rowToWrite(key) }));
    // Both statements finish before any waiter resumes: an order's acknowledgement never
    // precedes the fills it reports (the venue queued them before or with the order).
    const [fillOutcomes, orderOutcomes] = await Promise.all([this.insertFills(fills.map((f) => f.fill)), this.writeOrders(rows)]);
    fills.forEach(({ done }, i) => {
      const outcome = fillOutcomes[i];
      if (outcome instanceof Error) done.reject(outcome);
      else done.resolve(outcome);
    });
    this.fillsInFlight = [];
    rows.forEach(({ key, todo }, i) => {
      const outcome = orderOutcomes[i];
      if (todo) this.source.orderWritten(key, todo.row, outcome);
      const done = this.inFlight.get(key)!;
      this.inFlight.delete(key);
      if (outcome === "written") done.resolve();
      else done.reject(outcome === "taken" ? new OrderIdTaken(`clientOrderId ${todo?.row.client_order_id} is already stored`) : outcome);
    });
  }

  /** One INSERT for the batch; on a duplicate, row by row to tell which were new. */
  private async insertFills(fills: WireFill[]): Promise<Array<boolean | Error>> {
    if (fills.length === 0) return [];
    try {
      await this.fillsModel.bulkCreate(fills.map(fillColumns));
      return fills.map(() => true);
    } catch (err) {
      if (!(err instanceof UniqueConstraintError)) return fills.map(() => err as Error);
    }
    const out: Array<boolean | Error> = [];
    for (const fill of fills) {
      try {
        await this.fillsModel.create(fillColumns(fill));
        out.push(true);
      } catch (err) {
        out.push(err instanceof UniqueConstraintError ? false : (err as Error));
      }
    }
    return out;
  }

  private async writeOrders(rows: Array<{ key: string; todo: { row: OrderRow; insert: boolean } | null }>): Promise<OrderWriteOutcome[]> {
    const out: OrderWriteOutcome[] = rows.map(() => "written");
    const inserts = rows.flatMap(({ todo }, i) => (todo?.insert ? [i] : []));
    const updates = rows.flatMap(({ todo }, i) => (todo && !todo.insert ? [i] : []));
    const columnsAt = (i: number) => orderColumns(rows[i].todo!.row);
    await Promise.all([
      (async () => {
        if (inserts.length === 0) return;
        try {
          await this.orders.bulkCreate(inserts.map(columnsAt));
          return;
        } catch (err) {
          if (!(err instanceof UniqueConstraintError)) {
            for (const i of inserts) out[i] = err as Error;
            return;
          }
        }
        for (const i of inserts) {
          try {
            await this.orders.create(columnsAt(i));
          } catch (err) {
            out[i] = err instanceof UniqueConstraintError ? "taken" : (err as Error);
          }
        }
      })(),
      (async () => {
        if (updates.length === 0) return;
        try {
          // An upsert: one statement for any number of changed orders.
          await this.orders.bulkCreate(updates.map(columnsAt), { updateOnDuplicate: UPDATED_COLUMNS, conflictAttributes: ["exchange", "client_order_id"] });
        } catch (err) {
          for (const i of updates) out[i] = err as Error;
        }
      })(),
    ]);
    return out;
  }
}
