/**
 * The cex_orders / cex_fills tables as mmesh's order book of record: rows ↔ wire shapes,
 * monotonic updates from exchange reports, fills stored once per (exchange, trade id),
 * and the "pending" row that makes placement idempotent. No broker: what changed is
 * reported through the hooks, which the service turns into events.
 */
import { Op, UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import { GrowingBloomFilter } from "./bloom-filter";
import { fillKey, type OrderStatus, type WireFill, type WireOrder } from "./convert";
import { isTerminal, mergeOrder } from "./orders";

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
  };
}

function wireToColumns(o: WireOrder) {
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
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));

export class OrderPendingTimeout extends Error {
  override name = "OrderPendingTimeout";
}

const orderKey = (exchange: string, by: { clientOrderId?: string | null; id?: string | null }) =>
  by.clientOrderId ? `${exchange}|${by.clientOrderId}` : `${exchange}#${by.id ?? ""}`;

function changedFrom(stored: WireOrder, merged: WireOrder): boolean {
  return merged.status !== stored.status || merged.filled !== stored.filled || merged.id !== stored.id || merged.fee.cost !== stored.fee.cost;
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
  /**
   * Every clientOrderId of an in-process venue stored so far, as `orderKey`s in a Bloom filter:
   * filled from the table by loadKnownIds, then by this process's reservations. Once loaded, a
   * new id the filter has never seen is certainly not in the table, so placing it needs no
   * lookup (the idempotency check is the biggest part of a paper order's latency otherwise).
   * Ids stored meanwhile by another process sharing the table are not seen; its rows would
   * collide at the write (see writeBehind), as its orders live on its own paper venue anyway.
   */
  private readonly knownIds = new GrowingBloomFilter();
  private knownIdsLoaded = false;
  private readonly pendingWaitMs: number;
  private readonly inProcessExchanges: ReadonlySet<string>;

  constructor(
    private readonly orders: ModelStatic<Model>,
    private readonly fills: ModelStatic<Model>,
    private readonly hooks: OrderStoreHooks,
    options: OrderStoreOptions = {},
  ) {
    this.pendingWaitMs = options.pendingWaitMs ?? 15_000;
    this.inProcessExchanges = new Set(options.inProcess ?? []);
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
    while (this.queues.size > 0) await Promise.all(this.queues.values());
  }

  private remembered(exchange: string, by: { clientOrderId?: string | null; id?: string | null }): OrderRow | undefined {
    if (!this.inProcessExchanges.has(exchange)) return undefined;
    const key = by.clientOrderId ? orderKey(exchange, by) : by.id ? this.memoryKeyById.get(`${exchange}#${by.id}`) : undefined;
    return key ? this.memory.get(key) : undefined;
  }

  private remember(row: OrderRow): void {
    const key = orderKey(row.exchange, { clientOrderId: row.client_order_id });
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

  async exchangesWithOpenOrders(): Promise<string[]> {
    const rows = (await this.orders.findAll({ attributes: ["exchange"], where: { status: "open" }, group: ["exchange"], raw: true })) as unknown as Array<{ exchange: string }>;
    return rows.map((r) => r.exchange);
  }

  /** Applies an exchange report to the stored order (monotonic); null when the order is not ours. */
  async saveOrder(exchange: string, incoming: WireOrder): Promise<WireOrder | null> {
    const row = (incoming.clientOrderId ? await this.findRow(exchange, { clientOrderId: incoming.clientOrderId }) : null)
      ?? (incoming.id ? await this.findRow(exchange, { id: incoming.id }) : null);
    if (!row) return null;
    const stored = rowToWire(row);
    const merged = { ...mergeOrder(stored, { ...incoming, clientOrderId: row.client_order_id }), timestamp: stored.timestamp };
    if (changedFrom(stored, merged)) {
      await this.orders.update({ ...wireToColumns(merged), updated_at: new Date() }, { where: { id: row.id } });
      await this.hooks.orderUpdated(merged);
    }
    return merged;
  }

  /**
   * Applies an exchange report: an in-process venue's live order is merged in memory now
   * and written behind; any other order is written before this resolves. The report itself
   * comes back for an order that is not ours.
   */
  async applyReport(exchange: string, incoming: WireOrder): Promise<WireOrder> {
    const known = this.remembered(exchange, incoming);
    if (known) return this.mergeRemembered(known, incoming);
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
    void this.writeBehind(next, merged);
    return merged;
  }

  private writeBehind(row: OrderRow, order: WireOrder): Promise<void> {
    const key = orderKey(row.exchange, { clientOrderId: row.client_order_id });
    return this.serialize(key, async () => {
      await yieldToIo(); // let the caller's answer leave before the query is built
      if (this.memory.get(key) !== row) return; // a newer report is queued behind this one and writes it all
      try {
        if (this.notInserted.has(key)) {
          const { id: _unassigned, ...columns } = row;
          await this.orders.create(columns);
          this.notInserted.delete(key);
        } else {
          await this.orders.update({ ...wireToColumns(order), updated_at: row.updated_at }, { where: { exchange: row.exchange, client_order_id: row.client_order_id } });
        }
      } catch (err) {
        if (err instanceof UniqueConstraintError) {
          // Another process stored this clientOrderId first (each process has its own paper venue).
          this.notInserted.delete(key);
          this.forget(row);
          this.hooks.writeFailed(`order ${row.client_order_id} on ${row.exchange} not recorded: the clientOrderId is already stored by another node`);
          return;
        }
        this.unwritten.add(key);
        this.hooks.writeFailed(`order ${row.client_order_id} on ${row.exchange} not written (${(err as Error).message}); kept in memory and retried`);
        this.scheduleRetry();
        return;
      }
      this.unwritten.delete(key);
      if (isTerminal(order.status)) this.forget(row);
      await this.hooks.orderUpdated(order);
    });
  }

  /** Writes again the in-process orders and fills whose write failed (e.g. the database was down). */
  async retryFailedWrites(): Promise<void> {
    for (const key of [...this.unwritten]) {
      const row = this.memory.get(key);
      if (row) await this.writeBehind(row, rowToWire(row));
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
      await this.fills.create({
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
      });
    } catch (err) {
      if (err instanceof UniqueConstraintError) return false;
      throw err;
    }
    return true;
  }

  /**
   * recordFill in the write queue of the fill's order. A fill of an in-process venue that cannot
   * be written is kept and retried (the venue cannot report it again); the call still rejects.
   */
  async queueFill(fill: WireFill): Promise<boolean> {
    const key = fillKey(fill);
    let stored = false;
    try {
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
    this.memory.set(key, {
      id: 0, exchange, client_order_id: clientOrderId, exchange_order_id: null, symbol: order.symbol, side: order.side, type: order.type,
      price: order.price, amount: order.amount, filled: "0", remaining: order.amount, status: "pending",
      fee_cost: null, fee_currency: null, created_at: now, updated_at: now,
    });
    this.notInserted.add(key);
    return true;
  }

  /** The exchange accepted the order: the row leaves "pending" even if the venue's events already moved it on. */
  async markPlaced(exchange: string, clientOrderId: string, exchangeOrderId: string | null): Promise<void> {
    await this.orders.update({ status: "open", exchange_order_id: exchangeOrderId }, { where: { exchange, client_order_id: clientOrderId, status: "pending" } });
  }

  /** The exchange refused the order: the clientOrderId is free again. */
  async dropPending(exchange: string, clientOrderId: string): Promise<void> {
    const key = orderKey(exchange, { clientOrderId });
    if (this.notInserted.delete(key)) {
      this.memory.delete(key);
      return;
    }
    await this.orders.destroy({ where: { exchange, client_order_id: clientOrderId, status: "pending" } });
  }

  /** Waits while another call is placing this clientOrderId; the settled row, or null if it was dropped. */
  async waitSettled(exchange: string, clientOrderId: string): Promise<OrderRow | null> {
    const deadline = Date.now() + this.pendingWaitMs;
    for (;;) {
      const row = await this.findRow(exchange, { clientOrderId });
      if (!row || row.status !== "pending") return row;
      if (Date.now() > deadline) throw new OrderPendingTimeout(`Order ${clientOrderId} on ${exchange} is still being placed; retry`);
      await sleep(20);
    }
  }
}
