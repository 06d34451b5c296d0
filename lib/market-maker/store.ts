/**
 * Persistence of the market-maker: bots' state and position snapshots, attributed fills
 * (idempotent on exchange + trade id, so the same fill arriving by event and by durable
 * bus is booked once), PnL history and the shared switches.
 */
import { Op, UniqueConstraintError, type Model, type ModelStatic, type Sequelize } from "sequelize";
import {
  MM_CONTROLS_TABLE,
  MM_FILLS_TABLE,
  MM_PNL_TABLE,
  mmControlColumns,
  mmFillColumns,
  mmPnlColumns,
} from "../db/schemas/market-maker";
import type { AccountingFill, LedgerSnapshot } from "./accounting";

export interface BotRow {
  name: string;
  exchange: string;
  symbol: string;
  strategy: string;
  state: string;
  halt_reason: string | null;
  node_id: string | null;
  position: string;
  avg_entry_price: string;
  realized: string;
  unrealized: string;
  fees_paid: string;
  volume: string;
  fills: number;
  pnl_state: string | null;
  updated_at: Date;
}

export interface FillRow {
  bot: string;
  exchange: string;
  symbol: string;
  trade_id: string;
  client_order_id: string | null;
  side: string;
  price: string;
  amount: string;
  fee_cost: string | null;
  fee_currency: string | null;
  role: string;
  timestamp: number;
}

export interface BookedFill extends AccountingFill {
  bot: string;
  exchange: string;
  symbol: string;
  clientOrderId: string | null;
  role: "maker" | "hedge";
}

export class MarketMakerStore {
  private readonly fills: ModelStatic<Model>;
  private readonly pnl: ModelStatic<Model>;
  private readonly controls: ModelStatic<Model>;

  constructor(
    private readonly bots: ModelStatic<Model>,
    sequelize: Sequelize,
  ) {
    this.fills = sequelize.define(MM_FILLS_TABLE, mmFillColumns, { tableName: MM_FILLS_TABLE, timestamps: false });
    this.pnl = sequelize.define(MM_PNL_TABLE, mmPnlColumns, { tableName: MM_PNL_TABLE, timestamps: false });
    this.controls = sequelize.define(MM_CONTROLS_TABLE, mmControlColumns, { tableName: MM_CONTROLS_TABLE, timestamps: false });
  }

  /** Books a fill; false when it was booked before. */
  async recordFill(fill: BookedFill): Promise<boolean> {
    try {
      await this.fills.create({
        bot: fill.bot,
        exchange: fill.exchange,
        symbol: fill.symbol,
        trade_id: fill.tradeId,
        client_order_id: fill.clientOrderId,
        side: fill.side,
        price: fill.price,
        amount: fill.amount,
        fee_cost: fill.feeCost,
        fee_currency: fill.feeCurrency,
        role: fill.role,
        timestamp: fill.ts,
        created_at: new Date(),
      });
      return true;
    } catch (err) {
      if (err instanceof UniqueConstraintError) return false;
      throw err;
    }
  }

  async fillsOf(bot: string, opts: { role?: "maker" | "hedge"; limit?: number; newestFirst?: boolean } = {}): Promise<BookedFill[]> {
    const rows = (await this.fills.findAll({
      where: { bot, ...(opts.role ? { role: opts.role } : {}) },
      order: [["timestamp", opts.newestFirst ? "DESC" : "ASC"], ["id", opts.newestFirst ? "DESC" : "ASC"]],
      limit: opts.limit,
      raw: true,
    })) as unknown as FillRow[];
    return rows.map(toBookedFill);
  }

  async getBot(name: string): Promise<BotRow | null> {
    return (await this.bots.findByPk(name, { raw: true })) as unknown as BotRow | null;
  }

  async listBots(): Promise<BotRow[]> {
    return (await this.bots.findAll({ order: [["name", "ASC"]], raw: true })) as unknown as BotRow[];
  }

  async saveBot(row: Omit<BotRow, "updated_at">): Promise<void> {
    await upsert(this.bots, { name: row.name }, { ...row, updated_at: new Date() });
  }

  async setBotState(name: string, state: string, haltReason: string | null, nodeId: string | null): Promise<void> {
    await this.bots.update({ state, halt_reason: haltReason, node_id: nodeId, updated_at: new Date() }, { where: { name } });
  }

  async appendPnl(bot: string, ts: number, snap: { position: string; realized: string; unrealized: string; feesPaid: string }): Promise<void> {
    await this.pnl.create({ bot, timestamp: ts, position: snap.position, realized: snap.realized, unrealized: snap.unrealized, fees_paid: snap.feesPaid });
  }

  async pnlHistory(bot: string, since = 0, limit = 1000): Promise<Array<{ timestamp: number; position: string; realized: string; unrealized: string; feesPaid: string }>> {
    const rows = (await this.pnl.findAll({ where: { bot, timestamp: { [Op.gte]: since } }, order: [["timestamp", "DESC"]], limit, raw: true })) as unknown as Array<Record<string, unknown>>;
    return rows.reverse().map((r) => ({ timestamp: Number(r.timestamp), position: String(r.position), realized: String(r.realized), unrealized: String(r.unrealized), feesPaid: String(r.fees_paid) }));
  }

  async getControl<T>(key: string): Promise<T | null> {
    const row = (await this.controls.findByPk(key, { raw: true })) as unknown as { value: string | null } | null;
    return row?.value ? (JSON.parse(row.value) as T) : null;
  }

  async setControl(key: string, value: unknown): Promise<void> {
    await upsert(this.controls, { key }, { key, value: value === null ? null : JSON.stringify(value), updated_at: new Date() });
  }

}

/** Insert or replace by key, spelled out: sequelize's SQLite upsert trips over NOT NULL columns. */
async function upsert(model: ModelStatic<Model>, where: Record<string, string>, values: Record<string, unknown>): Promise<void> {
  const [updated] = await model.update(values, { where });
  if (updated > 0) return;
  try {
    await model.create(values);
  } catch (err) {
    // Another node created it between the two statements: the update now applies.
    if (!(err instanceof UniqueConstraintError)) throw err;
    await model.update(values, { where });
  }
}

function toBookedFill(r: FillRow): BookedFill {
  return {
    bot: r.bot,
    exchange: r.exchange,
    symbol: r.symbol,
    tradeId: r.trade_id,
    clientOrderId: r.client_order_id,
    side: r.side as "buy" | "sell",
    price: r.price,
    amount: r.amount,
    feeCost: r.fee_cost,
    feeCurrency: r.fee_currency,
    ts: Number(r.timestamp),
    role: r.role as "maker" | "hedge",
  };
}

export function ledgerColumns(snap: LedgerSnapshot, unrealized: string) {
  return {
    position: snap.position,
    avg_entry_price: snap.avgEntryPrice,
    realized: snap.realized,
    unrealized,
    fees_paid: snap.feesPaid,
    volume: snap.volume,
    fills: snap.fills,
  };
}
