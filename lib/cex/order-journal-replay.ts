/**
 * At start, before anything reads the orders: the journal's rows (see order-journal) into
 * cex_orders. A row the table lacks is inserted; a row the table has is brought forward with the
 * same monotonic merge the exchange's reports go through (never back: the table may hold a newer
 * state written after the journal line). A row under the same clientOrderId that is another
 * order (another node's, different exchange id or creation time) is left alone.
 */
import type { Model, ModelStatic } from "sequelize";
import { readJournal } from "./order-journal";
import { changedFrom, rowToWire, wireToColumns, type OrderRow } from "./order-store";
import { orderColumns } from "./order-write-queue";
import { mergeOrder } from "./orders";

export interface JournalReplay {
  /** Rows inserted or brought forward. */
  restored: number;
  /** Rows the table already had as the journal does (or newer). */
  current: number;
  /** Rows whose clientOrderId the table holds for another order. */
  skipped: number;
}

function sameOrder(stored: OrderRow, journaled: OrderRow): boolean {
  return (stored.exchange_order_id ?? null) === (journaled.exchange_order_id ?? null) && new Date(stored.created_at).getTime() === journaled.created_at.getTime();
}

export async function replayOrderJournal(orders: ModelStatic<Model>, file: string): Promise<JournalReplay> {
  const latest = new Map<string, OrderRow>();
  for (const row of readJournal(file)) latest.set(`${row.exchange}|${row.client_order_id}`, row);
  const result: JournalReplay = { restored: 0, current: 0, skipped: 0 };
  for (const row of latest.values()) {
    const stored = (await orders.findOne({ where: { exchange: row.exchange, client_order_id: row.client_order_id }, raw: true })) as OrderRow | null;
    if (!stored) {
      await orders.create(orderColumns(row));
      result.restored += 1;
      continue;
    }
    if (!sameOrder(stored, row)) {
      result.skipped += 1;
      continue;
    }
    const before = rowToWire(stored);
    const merged = mergeOrder(before, rowToWire(row));
    if (!changedFrom(before, merged)) {
      result.current += 1;
      continue;
    }
    await orders.update({ ...wireToColumns(merged), updated_at: row.updated_at }, { where: { id: stored.id } });
    result.restored += 1;
  }
  return result;
}
