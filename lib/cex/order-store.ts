/**
 * The cex_orders / cex_fills tables as mmesh's order book of record: rows ↔ wire shapes,
 * monotonic updates from exchange reports, fills stored once per (exchange, trade id),
 * and the "pending" row that makes placement idempotent. No broker: what changed is
 * reported through the hooks, which the service turns into events.
 */
import { Op, UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import type { OrderStatus, WireFill, WireOrder } from "./convert";
import { mergeOrder } from "./orders";

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

export class OrderPendingTimeout extends Error {
  override name = "OrderPendingTimeout";
}

export class OrderStore {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly orders: ModelStatic<Model>,
    private readonly fills: ModelStatic<Model>,
    private readonly hooks: OrderStoreHooks,
    /** How long a duplicate create waits for the first one to get the exchange's answer. */
    private readonly pendingWaitMs = 15_000,
  ) {}

  /** Runs `fn` after every earlier serialized write: updates of one order never interleave. */
  serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves once every serialized write queued so far has finished. */
  idle(): Promise<unknown> {
    return this.chain;
  }

  async findRow(exchange: string, by: { clientOrderId?: string | null; id?: string | null }): Promise<OrderRow | null> {
    const where = by.clientOrderId ? { exchange, client_order_id: by.clientOrderId } : by.id ? { exchange, exchange_order_id: by.id } : null;
    if (!where) return null;
    return (await this.orders.findOne({ where, raw: true })) as OrderRow | null;
  }

  async openRows(exchange: string): Promise<OrderRow[]> {
    return (await this.orders.findAll({ where: { exchange, status: { [Op.in]: ["open"] } }, raw: true })) as unknown as OrderRow[];
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
    const changed = merged.status !== stored.status || merged.filled !== stored.filled || merged.id !== stored.id || merged.fee.cost !== stored.fee.cost;
    if (changed) {
      await this.orders.update({ ...wireToColumns(merged), updated_at: new Date() }, { where: { id: row.id } });
      await this.hooks.orderUpdated(merged);
    }
    return merged;
  }

  /** saveOrder through the write queue, falling back to the report itself for an order that is not ours. */
  async applyReport(exchange: string, incoming: WireOrder): Promise<WireOrder> {
    return (await this.serialize(() => this.saveOrder(exchange, incoming))) ?? incoming;
  }

  /** Stores a fill once (unique exchange + trade id); true when it was new. */
  async recordFill(fill: WireFill): Promise<boolean> {
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
    await this.hooks.fillRecorded(fill);
    return true;
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
      return true;
    } catch (err) {
      if (err instanceof UniqueConstraintError) return false;
      throw err;
    }
  }

  /** The exchange accepted the order: the row leaves "pending" even if the venue's events already moved it on. */
  async markPlaced(exchange: string, clientOrderId: string, exchangeOrderId: string | null): Promise<void> {
    await this.orders.update({ status: "open", exchange_order_id: exchangeOrderId }, { where: { exchange, client_order_id: clientOrderId, status: "pending" } });
  }

  /** The exchange refused the order: the clientOrderId is free again. */
  async dropPending(exchange: string, clientOrderId: string): Promise<void> {
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
