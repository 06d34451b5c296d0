/**
 * The cex_orders / cex_fills tables as mmesh's order book of record: rows ↔ wire shapes,
 * monotonic updates from exchange reports, fills stored once per (exchange, trade id),
 * and the "pending" row that makes placement idempotent. No broker: what changed is
 * reported through the hooks, which the service turns into events.
 */
import { Op, UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import { GrowingBloomFilter } from "./bloom-filter";
import { fillKey, type OrderStatus, type WireFill, type WireOrder } from "./convert";
import { addDecimal, compareDecimal } from "./decimal";
import { isTerminal, mergeOrder } from "./orders";
import { OrderJournal } from "./order-journal";
import { fillColumns, OrderWriteQueue, type OrderWriteOutcome, type OrderWriteQueueOptions } from "./order-write-queue";

export interface OrderRow {
  id: number;
  exchange: string;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  status: OrderStatus;
  fee_cost: string | null;
  fee_currency: string | null;
  created_at: Date;
  updated_at: Date;
  post_only?: boolean | null;
  average?: string | null;
  cost?: string | null;
  /** Live venues: `filled` grew and the stored fills do not cover it yet (see fill-sync). */
  fills_owed?: boolean;
}

export interface OrderStoreHooks {
  /** A stored order changed status, filled amount, id or fee. */
  orderUpdated(order: WireOrder): Promise<void>;
  /** A fill was stored for the first time. */
  fillRecorded(fill: WireFill): Promise<void>;
  /** A write that nobody awaits failed; it is retried by `retryFailedWrites`. */
  writeFailed(message: string): void;
}

export interface OrderStoreOptions {
  /** How long a duplicate create waits for the first one to get the exchange's answer. */
  pendingWaitMs?: number;
  /** Venues living in this process (the paper exchange), whose live orders are kept in memory (see above). */
  inProcess?: readonly string[];
  /** Bounds and batching of the in-process venues' group commit (see order-write-queue). */
  writes?: OrderWriteQueueOptions;
}

export interface PendingOrder {
  symbol: string;
  side: string;
  type: string;
  amount: string;
  price: string | null;
}

export function rowToWire(row: OrderRow): WireOrder {
  return {
    exchange: row.exchange,
    id: row.exchange_order_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    price: row.price,
    amount: row.amount,
    filled: row.filled,
    remaining: row.remaining,
    status: row.status,
    fee: { cost: row.fee_cost, currency: row.fee_currency },
    timestamp: new Date(row.created_at).getTime(),
    postOnly: row.post_only ?? null,
    average: row.average ?? null,
    cost: row.cost ?? null,
  };
}

export function wireToColumns(o: WireOrder) {
  return {
    exchange_order_id: o.id,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    remaining: o.remaining,
    status: o.status,
    fee_cost: o.fee.cost,
    fee_currency: o.fee.currency,
    post_only: o.postOnly ?? null,
    average: o.average ?? null,
    cost: o.cost ?? null,
  };
}

/** The journal is emptied (once all of it is committed) when it has grown to this many bytes. */
const JOURNAL_COMPACT_BYTES = 64 * 1024;
/** Orders and fills waiting for their commit beyond which acknowledgements wait for theirs too (see journaled). */
const JOURNAL_MAX_BACKLOG = 64;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class OrderPendingTimeout extends Error {
  override name = "OrderPendingTimeout";
}

/** The row is "pending" because its create lost its answer and lookup (see markOutcomeUnknown). */
export class OrderOutcomeUnknown extends Error {
  override name = "OrderOutcomeUnknown";
}

const orderKey = (exchange: string, by: { clientOrderId?: string | null; id?: string | null }) =>
  by.clientOrderId ? `${exchange}|${by.clientOrderId}` : `${exchange}#${by.id ?? ""}`;

export function changedFrom(stored: WireOrder, merged: WireOrder): boolean {
  return merged.status !== stored.status || merged.filled !== stored.filled || merged.id !== stored.id || merged.fee.cost !== stored.fee.cost
    || (merged.average ?? null) !== (stored.average ?? null) || (merged.postOnly ?? null) !== (stored.postOnly ?? null);
}

export class OrderStore {
  /** The tail of each order's write queue, by orderKey. */
  private readonly queues = new Map<string, Promise<unknown>>();
  /** Live orders of in-process venues, by orderKey (clientOrderId form), and their exchange ids. */
  private readonly memory = new Map<string, OrderRow>();
  private readonly memoryKeyById = new Map<string, string>();
  /** Orders whose background write failed: their memory row is newer than the database. */
  private readonly unwritten = new Set<string>();
  /** In-process orders with no row in the database yet. */
  private readonly notInserted = new Set<string>();
  /** Fills of in-process venues whose insert failed (the database was down), by fill key: retried, never dropped. */
  private readonly unwrittenFills = new Map<string, WireFill>();
  /** The next retry of failed writes (see scheduleRetry); null when none is due. */
  private retryTimer: NodeJS.Timeout | null = null;
  private retryDelayMs = 0;
  private closed = false;
  /** Set when the service stops: new in-process orders are refused while the queue drains. */
  private closing = false;
  /** The in-process venues' orders and fills, written in groups (see order-write-queue). */
  private readonly writes: OrderWriteQueue;
  /**
   * Every clientOrderId of an in-process venue stored so far, as `orderKey`s in a Bloom filter:
   * filled from the table by loadKnownIds, then by this process's reservations. Once loaded, a
   * new id the filter has never seen is certainly not in the table, so placing it needs no
   * lookup (the idempotency check is the biggest part of a paper order's latency otherwise).
   * Ids stored meanwhile by another process sharing the table are not seen; its rows would
   * collide at the write (see orderWritten), as its orders live on its own paper venue anyway.
   */
  private readonly knownIds = new GrowingBloomFilter();
  private knownIdsLoaded = false;
  private readonly pendingWaitMs: number;
  private readonly inProcessExchanges: ReadonlySet<string>;
  /** Where in-process acknowledgements are made durable when set (see useJournal); else by the commit. */
  private journal: OrderJournal | null = null;
  /** Each memory row's place in the order they were made (rows are replaced, never changed). */
  private readonly rowSeq = new WeakMap<OrderRow, number>();
  private nextRowSeq = 0;
  /** Keys whose journaled row is not committed yet, with that row's seq: the journal is emptied when none is left. */
  private readonly journalOwed = new Map<string, number>();

  constructor(
    private readonly orders: ModelStatic<Model>,
    private readonly fills: ModelStatic<Model>,
    private readonly hooks: OrderStoreHooks,
    options: OrderStoreOptions = {},
  ) {
    this.pendingWaitMs = options.pendingWaitMs ?? 15_000;
    this.inProcessExchanges = new Set(options.inProcess ?? []);
    this.writes = new OrderWriteQueue(orders, fills, {
      rowToWrite: (key) => {
        const row = this.memory.get(key);
        return row ? { row, insert: this.notInserted.has(key) } : null;
      },
      orderWritten: (key, row, outcome) => this.orderWritten(key, row, outcome),
      idle: () => this.compactJournal(),
    }, options.writes);
  }

  isInProcess(exchange: string): boolean {
    return this.inProcessExchanges.has(exchange);
  }

  /**
   * Reads the clientOrderIds of the in-process venues from the table into the filter (pages in
   * id order); until it has finished, lookups go to the database. Returns how many were read.
   */
  async loadKnownIds(pageSize = 10_000): Promise<number> {
    if (this.knownIdsLoaded || this.inProcessExchanges.size === 0) return 0;
    let read = 0;
    for (let after = 0; ; ) {
      const rows = (await this.orders.findAll({
        attributes: ["id", "exchange", "client_order_id"],
        where: { exchange: { [Op.in]: [...this.inProcessExchanges] }, id: { [Op.gt]: after } },
        order: [["id", "ASC"]],
        limit: pageSize,
        raw: true,
      })) as unknown as Array<Pick<OrderRow, "id" | "exchange" | "client_order_id">>;
      for (const row of rows) this.knownIds.add(orderKey(row.exchange, { clientOrderId: row.client_order_id }));
      read += rows.length;
      if (rows.length < pageSize) break;
      after = rows[rows.length - 1].id;
    }
    this.knownIdsLoaded = true;
    return read;
  }

  /** True when `clientOrderId` was certainly never stored for this in-process exchange (no lookup needed). */
  private certainlyNew(exchange: string, clientOrderId: string): boolean {
    return this.knownIdsLoaded && this.inProcessExchanges.has(exchange) && !this.knownIds.mightContain(orderKey(exchange, { clientOrderId }));
  }

  /** Runs `fn` after every earlier write queued under `key` (one order: see orderKey). */
  private serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(key) ?? Promise.resolve()).then(fn, fn);
    const tail = run.catch(() => undefined);
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return run;
  }

  /** The write queue of the order a report or fill belongs to. */
  serializeOrder<T>(exchange: string, by: { clientOrderId?: string | null; id?: string | null }, fn: () => Promise<T>): Promise<T> {
    return this.serialize(orderKey(exchange, by), fn);
  }

  /** Resolves once every write queued so far (and any they queue) has finished. */
  async idle(): Promise<void> {
    while (this.queues.size > 0 || this.writes.backlog > 0) {
      await Promise.all(this.queues.values());
      await this.writes.drain();
    }
  }

  /**
   * False while the service stops or the in-process venues' write queue is full: a new
   * in-process order is then refused (503, retry later) instead of queued without bound.
   */
  acceptingOrders(): boolean {
    // notInserted: orders reserved (maybe at the venue already) whose row is not committed yet.
    return !this.closing && !this.writes.full(this.notInserted.size);
  }

  /** Refuse new in-process orders from now on (the service is stopping; `idle` then drains the queue). */
  stopAccepting(): void {
    this.closing = true;
  }

  /**
   * Resolves once the in-process order `clientOrderId` as stored in memory now is committed to the
   * table (at once when it is); rejects when that write failed (the order stays in memory and is
   * retried) or the id is stored by another process (OrderIdTaken).
   */
  durable(exchange: string, clientOrderId: string): Promise<void> {
    const key = orderKey(exchange, { clientOrderId });
    if (this.journal && this.journaled(key)) return Promise.resolve();
    const pending = this.writes.pending(key);
    if (pending) return pending;
    if (this.notInserted.has(key) || this.unwritten.has(key)) return this.writes.write(key, true);
    return Promise.resolve();
  }

  /**
   * Makes `key`'s memory row durable by the journal, its commit following with the next group;
   * false when the journal does not take it. An order with fills is committed with them (the
   * journal holds orders only), so its acknowledgement waits for that commit. So does any order
   * while commits lag behind (a burst): acknowledgements then come at the pace of the commits,
   * which leaves the database to other writers (a config write stays well under a second).
   */
  private journaled(key: string): boolean {
    const row = this.memory.get(key);
    if (!row || row.status === "pending" || compareDecimal(row.filled, "0") !== 0 || this.writes.backlog >= JOURNAL_MAX_BACKLOG) return false;
    if (!this.notInserted.has(key) && !this.unwritten.has(key) && !this.writes.queued(key) && !this.writes.writing(key)) return true; // committed already
    this.journal!.append(row);
    this.journalOwed.set(key, this.rowSeq.get(row) ?? 0);
    if (!this.writes.queued(key)) void this.writes.write(key, false);
    return true;
  }

  /**
   * From now on, in-process acknowledgements are made durable by appending to `journal` instead
   * of waiting for their commit. Call once the journal's earlier rows are replayed into the table.
   */
  useJournal(journal: OrderJournal): void {
    this.journal = journal;
  }

  /** Empties the journal once every row in it is committed (it is only read after a crash). */
  private compactJournal(): void {
    if (this.journal && this.journalOwed.size === 0 && this.journal.size >= JOURNAL_COMPACT_BYTES) this.journal.truncate();
  }

  /** Closes the journal; emptied first when everything in it is committed (call after `idle`). */
  async closeJournal(): Promise<void> {
    const journal = this.journal;
    if (!journal) return;
    this.journal = null;
    if (this.journalOwed.size === 0) journal.truncate();
    await journal.close();
  }

  private remembered(exchange: string, by: { clientOrderId?: string | null; id?: string | null }): OrderRow | undefined {
    if (!this.inProcessExchanges.has(exchange)) return undefined;
    const key = by.clientOrderId ? orderKey(exchange, by) : by.id ? this.memoryKeyById.get(`${exchange}#${by.id}`) : undefined;
    return key ? this.memory.get(key) : undefined;
  }

  private remember(row: OrderRow): void {
    const key = orderKey(row.exchange, { clientOrderId: row.client_order_id });
    this.rowSeq.set(row, this.nextRowSeq++);
    this.memory.set(key, row);
    if (row.exchange_order_id) this.memoryKeyById.set(`${row.exchange}#${row.exchange_order_id}`, key);
  }

  private forget(row: OrderRow): void {
    const key = orderKey(row.exchange, { clientOrderId: row.client_order_id });
    if (this.memory.get(key) !== row || this.unwritten.has(key)) return;
    this.memory.delete(key);
    if (row.exchange_order_id) this.memoryKeyById.delete(`${row.exchange}#${row.exchange_order_id}`);
  }

  async findRow(exchange: string, by: { clientOrderId?: string | null; id?: string | null }): Promise<OrderRow | null> {
    const known = this.remembered(exchange, by);
    if (known) return { ...known };
    if (by.clientOrderId && this.certainlyNew(exchange, by.clientOrderId)) return null;
    const where = by.clientOrderId ? { exchange, client_order_id: by.clientOrderId } : by.id ? { exchange, exchange_order_id: by.id } : null;
    if (!where) return null;
    return (await this.orders.findOne({ where, raw: true })) as OrderRow | null;
  }

  /** The stored rows of several clientOrderIds at once (one query for those not in memory and maybe stored), by clientOrderId. */
  async findRows(exchange: string, clientOrderIds: string[]): Promise<Map<string, OrderRow>> {
    const found = new Map<string, OrderRow>();
    const missing: string[] = [];
    for (const clientOrderId of new Set(clientOrderIds)) {
      const known = this.remembered(exchange, { clientOrderId });
      if (known) found.set(clientOrderId, { ...known });
      else if (!this.certainlyNew(exchange, clientOrderId)) missing.push(clientOrderId);
    }
    if (missing.length === 0) return found;
    const where = { exchange, client_order_id: missing.length === 1 ? missing[0] : { [Op.in]: missing } };
    const rows = (await this.orders.findAll({ where, raw: true })) as unknown as OrderRow[];
    for (const row of rows) found.set(row.client_order_id, row);
    return found;
  }

  async openRows(exchange: string): Promise<OrderRow[]> {
    const rows = (await this.orders.findAll({ where: { exchange, status: { [Op.in]: ["open"] } }, raw: true })) as unknown as OrderRow[];
    const current = rows.map((row) => this.remembered(exchange, { clientOrderId: row.client_order_id }) ?? row);
    const listed = new Set(current.map((row) => row.client_order_id));
    const onlyInMemory = [...this.memory.values()].filter((row) => row.exchange === exchange && !listed.has(row.client_order_id));
    return [...current, ...onlyInMemory].filter((row) => row.status === "open").map((row) => ({ ...row }));
  }

  /** Rows of `exchange` still "pending" (placed, answer never stored) since before `before`. */
  async stalePendingRows(exchange: string, before: Date): Promise<OrderRow[]> {
    return (await this.orders.findAll({ where: { exchange, status: "pending", created_at: { [Op.lt]: before } }, raw: true })) as unknown as OrderRow[];
  }

  /** Orders of `exchange` still open or changed since `since` (a fill catch-up's candidates). */
  async activeRowsSince(exchange: string, since: Date): Promise<OrderRow[]> {
    return (await this.orders.findAll({
      where: { exchange, [Op.or]: [{ status: "open" }, { updated_at: { [Op.gte]: since } }] },
      raw: true,
    })) as unknown as OrderRow[];
  }

  async exchangesWithOpenOrders(): Promise<string[]> {
    // Open, still being placed, or owing fills: each needs reconcile.
    const where = { [Op.or]: [{ status: { [Op.in]: ["open", "pending"] } }, { fills_owed: true }] };
    const rows = (await this.orders.findAll({ attributes: ["exchange"], where, group: ["exchange"], raw: true })) as unknown as Array<{ exchange: string }>;
    return rows.map((r) => r.exchange);
  }

  /**
   * Applies an exchange report to the stored order (monotonic); null when the order is not ours.
   * `announce`: report the order through orderUpdated even when nothing changed (it just left
   * "pending", which the caller wrote itself).
   */
  async saveOrder(exchange: string, incoming: WireOrder, announce = false): Promise<WireOrder | null> {
    const row = (incoming.clientOrderId ? await this.findRow(exchange, { clientOrderId: incoming.clientOrderId }) : null)
      ?? (incoming.id ? await this.findRow(exchange, { id: incoming.id }) : null);
    if (!row) return null;
    const stored = rowToWire(row);
    const merged = { ...mergeOrder(stored, { ...incoming, clientOrderId: row.client_order_id }), timestamp: stored.timestamp };
    if (changedFrom(stored, merged)) {
      // A live venue's fills are pulled from its trade history: a grown `filled` is owed until they are stored.
      const owed = !this.isInProcess(exchange) && compareDecimal(merged.filled, stored.filled) > 0 ? { fills_owed: true } : {};
      await this.orders.update({ ...wireToColumns(merged), ...owed, updated_at: new Date() }, { where: { id: row.id } });
      await this.hooks.orderUpdated(merged);
    } else if (announce) {
      await this.hooks.orderUpdated(merged);
    }
    return merged;
  }

  /** Live orders of `exchange` whose fills are owed (see fills_owed), open or not. */
  async rowsOwingFills(exchange: string): Promise<OrderRow[]> {
    return (await this.orders.findAll({ where: { exchange, fills_owed: true }, raw: true })) as unknown as OrderRow[];
  }

  /** The amount of the stored fills of each order, by clientOrderId ("0" for none). */
  async recordedFilled(exchange: string, clientOrderIds: string[]): Promise<Map<string, string>> {
    const sums = new Map(clientOrderIds.map((id) => [id, "0"]));
    if (clientOrderIds.length === 0) return sums;
    const rows = (await this.fills.findAll({
      attributes: ["client_order_id", "amount"],
      where: { exchange, client_order_id: { [Op.in]: [...new Set(clientOrderIds)] } },
      raw: true,
    })) as unknown as Array<{ client_order_id: string; amount: string }>;
    for (const r of rows) sums.set(r.client_order_id, addDecimal(sums.get(r.client_order_id) ?? "0", r.amount));
    return sums;
  }

  /** The stored fills cover `filled`: nothing owed any more, unless `filled` grew meanwhile. */
  async markFillsSynced(exchange: string, clientOrderId: string, filled: string): Promise<void> {
    await this.orders.update({ fills_owed: false }, { where: { exchange, client_order_id: clientOrderId, filled, fills_owed: true } });
  }

  /**
   * Applies an exchange report: an in-process venue's live order is merged in memory now and
   * queued for the group commit (a report that announces new fills resolves once it and its
   * fills are committed; placement awaits `durable`); any other order is written before this
   * resolves. The report itself comes back for an order that is not ours.
   */
  async applyReport(exchange: string, incoming: WireOrder): Promise<WireOrder> {
    const known = this.remembered(exchange, incoming);
    if (known) {
      const merged = this.mergeRemembered(known, incoming);
      // A failed write stays in memory and is retried (reported through writeFailed).
      if (merged.filled !== known.filled) await this.durable(exchange, known.client_order_id).catch(() => undefined);
      return merged;
    }
    let key = orderKey(exchange, incoming);
    if (!incoming.clientOrderId && incoming.id) {
      const row = await this.findRow(exchange, { id: incoming.id });
      if (row) key = orderKey(exchange, { clientOrderId: row.client_order_id });
    }
    return (await this.serialize(key, () => this.saveOrder(exchange, incoming))) ?? incoming;
  }

  private mergeRemembered(row: OrderRow, incoming: WireOrder): WireOrder {
    const stored = rowToWire(row);
    const merged = { ...mergeOrder(stored, { ...incoming, clientOrderId: row.client_order_id }), timestamp: stored.timestamp };
    if (!changedFrom(stored, merged)) return merged;
    const next: OrderRow = { ...row, ...wireToColumns(merged), updated_at: new Date() };
    this.remember(next);
    void this.writes.write(orderKey(next.exchange, { clientOrderId: next.client_order_id }), false);
    return merged;
  }

  /** What follows an in-process order's group-committed write (see OrderWriteQueue). */
  private orderWritten(key: string, row: OrderRow, outcome: OrderWriteOutcome): void {
    // A journal line is paid once the row committed is the journaled one or a newer one (or the
    // id turned out to be another node's: replay leaves that row alone). A failed write still owes it.
    const owed = this.journalOwed.get(key);
    if (owed !== undefined && (outcome === "taken" || (outcome === "written" && owed <= (this.rowSeq.get(row) ?? -1)))) this.journalOwed.delete(key);
    if (outcome === "taken") {
      // Another process stored this clientOrderId first (each process has its own paper venue).
      this.notInserted.delete(key);
      this.unwritten.delete(key);
      this.forget(row);
      this.hooks.writeFailed(`order ${row.client_order_id} on ${row.exchange} not recorded: the clientOrderId is already stored by another node`);
      return;
    }
    if (outcome instanceof Error) {
      this.unwritten.add(key);
      this.hooks.writeFailed(`order ${row.client_order_id} on ${row.exchange} not written (${outcome.message}); kept in memory and retried`);
      this.scheduleRetry();
      return;
    }
    this.notInserted.delete(key);
    this.unwritten.delete(key);
    if (isTerminal(row.status)) this.forget(row);
    const order = rowToWire(row);
    this.hooks.orderUpdated(order).catch((err: Error) => this.hooks.writeFailed(`order.updated of ${row.client_order_id} not emitted: ${err.message}`));
  }

  /** Writes again the in-process orders and fills whose write failed (e.g. the database was down). */
  async retryFailedWrites(): Promise<void> {
    for (const key of [...this.unwritten]) {
      if (this.memory.has(key)) await this.writes.write(key, true).catch(() => undefined); // still failing: kept and rescheduled
    }
    for (const [key, fill] of [...this.unwrittenFills]) {
      if (this.unwrittenFills.get(key) !== fill) continue;
      await this.queueFill(fill).catch(() => undefined); // still failing: kept (and rescheduled) by queueFill
    }
  }

  /** True while some order or fill waits to be written again. */
  hasUnwrittenWrites(): boolean {
    return this.unwritten.size > 0 || this.unwrittenFills.size > 0;
  }

  /**
   * Retries failed writes soon instead of only on the next reconcile: after 0.5 s, doubling
   * while they keep failing, at most every 30 s (the database may be down a while).
   */
  private scheduleRetry(): void {
    if (this.retryTimer || this.closed) return;
    this.retryDelayMs = this.retryDelayMs === 0 ? 500 : Math.min(30_000, this.retryDelayMs * 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.retryFailedWrites().then(() => {
        if (!this.hasUnwrittenWrites()) this.retryDelayMs = 0;
      });
    }, this.retryDelayMs);
    this.retryTimer.unref();
  }

  /** Stops retrying in the background (the service is stopping; what is unwritten stays in memory until then). */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /** Stores a fill once (unique exchange, symbol, trade id, side) and reports it; true when it was new. */
  async recordFill(fill: WireFill): Promise<boolean> {
    const inserted = await this.insertFill(fill);
    if (inserted) await this.hooks.fillRecorded(fill);
    return inserted;
  }

  /** The insert alone: true when the fill was new, false when it was stored before. */
  private async insertFill(fill: WireFill): Promise<boolean> {
    try {
      await this.fills.create(fillColumns(fill));
    } catch (err) {
      if (err instanceof UniqueConstraintError) return false;
      throw err;
    }
    return true;
  }

  /**
   * recordFill in the write queue of the fill's order; an in-process venue's fill goes to the
   * group commit (queued before this returns its promise, so a report of its order acknowledged
   * later is written after it). A fill of an in-process venue that cannot be written is kept and
   * retried (the venue cannot report it again); the call still rejects.
   */
  async queueFill(fill: WireFill): Promise<boolean> {
    const key = fillKey(fill);
    let stored = false;
    try {
      if (this.isInProcess(fill.exchange)) {
        const inserted = await this.writes.writeFill(fill);
        stored = true;
        this.unwrittenFills.delete(key);
        if (inserted) await this.hooks.fillRecorded(fill);
        return inserted;
      }
      return await this.serializeOrder(fill.exchange, { clientOrderId: fill.clientOrderId, id: fill.orderId }, async () => {
        const inserted = await this.insertFill(fill);
        stored = true;
        this.unwrittenFills.delete(key);
        if (inserted) await this.hooks.fillRecorded(fill);
        return inserted;
      });
    } catch (err) {
      if (stored) throw err; // written; only reporting it failed
      if (this.isInProcess(fill.exchange) && !this.unwrittenFills.has(key)) {
        this.unwrittenFills.set(key, fill);
        this.hooks.writeFailed(`fill ${fill.tradeId} on ${fill.exchange} not written (${(err as Error).message}); kept in memory and retried`);
      }
      if (this.isInProcess(fill.exchange)) this.scheduleRetry();
      throw err;
    }
  }

  /** Inserts the "pending" row that reserves a clientOrderId; false when the id is already taken. */
  async insertPending(exchange: string, clientOrderId: string, order: PendingOrder): Promise<boolean> {
    const now = new Date();
    try {
      await this.orders.create({
        exchange, client_order_id: clientOrderId, exchange_order_id: null, symbol: order.symbol, side: order.side, type: order.type,
        price: order.price, amount: order.amount, filled: "0", remaining: order.amount, status: "pending",
        fee_cost: null, fee_currency: null, created_at: now, updated_at: now,
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError) return false;
      throw err;
    }
    return true;
  }

  /**
   * Reserves a clientOrderId of an in-process venue in memory (written with the venue's
   * answer); false when this process is already placing or holding it. The caller has
   * checked the database for an earlier order with the id.
   */
  reserveInProcess(exchange: string, clientOrderId: string, order: PendingOrder): boolean {
    const key = orderKey(exchange, { clientOrderId });
    if (this.memory.has(key)) return false;
    this.knownIds.add(key);
    const now = new Date();
    this.remember({
      id: 0, exchange, client_order_id: clientOrderId, exchange_order_id: null, symbol: order.symbol, side: order.side, type: order.type,
      price: order.price, amount: order.amount, filled: "0", remaining: order.amount, status: "pending",
      fee_cost: null, fee_currency: null, created_at: now, updated_at: now,
    });
    this.notInserted.add(key);
    return true;
  }

  /** The exchange accepted the order: the row leaves "pending" even if the venue's events already moved it on. */
  /** Pending rows whose create lost its answer and lookup in this process: no call is placing them any more (waitSettled does not wait for them). */
  private readonly outcomeUnknown = new Set<string>();

  markOutcomeUnknown(exchange: string, clientOrderId: string): void {
    this.outcomeUnknown.add(orderKey(exchange, { clientOrderId }));
  }

  async markPlaced(exchange: string, clientOrderId: string, exchangeOrderId: string | null): Promise<void> {
    await this.orders.update({ status: "open", exchange_order_id: exchangeOrderId }, { where: { exchange, client_order_id: clientOrderId, status: "pending" } });
  }

  /** The exchange refused the order: the clientOrderId is free again. */
  async dropPending(exchange: string, clientOrderId: string): Promise<void> {
    const key = orderKey(exchange, { clientOrderId });
    this.outcomeUnknown.delete(key);
    if (this.notInserted.delete(key)) {
      this.memory.delete(key);
      return;
    }
    await this.orders.destroy({ where: { exchange, client_order_id: clientOrderId, status: "pending" } });
  }

  /** Waits while another call is placing this clientOrderId; the settled row, or null if it was dropped. */
  async waitSettled(exchange: string, clientOrderId: string): Promise<OrderRow | null> {
    const deadline = Date.now() + this.pendingWaitMs;
    const key = orderKey(exchange, { clientOrderId });
    for (;;) {
      const row = await this.findRow(exchange, { clientOrderId });
      if (!row || row.status !== "pending") {
        this.outcomeUnknown.delete(key);
        return row;
      }
      // Nobody is placing it any more: waiting would only end in a timeout.
      if (this.outcomeUnknown.has(key)) throw new OrderOutcomeUnknown(`Order ${clientOrderId} on ${exchange}: outcome unknown`);
      if (Date.now() > deadline) throw new OrderPendingTimeout(`Order ${clientOrderId} on ${exchange} is still being placed; retry`);
      await sleep(20);
    }
  }
}
