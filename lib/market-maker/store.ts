/**
 * Persistence of the market-maker: bots' state and position snapshots, attributed fills
 * (idempotent on exchange + trade id, so a redelivered fill is booked once), PnL history
 * and the shared switches.
 *
 * Fills and snapshots: every fill of a bot gets the next number of the bot's gap-free
 * sequence when it is booked (`seq`), and a bot's ledger applies its fills in that order.
 * A snapshot in mm_bots carries `fill_seq`, the last fill it includes, written in the same
 * row update as the ledger columns. So a bot is rebuilt from its snapshot plus the fills with
 * a larger seq (`loadLedger`): a crash between booking a fill and saving the snapshot only
 * leaves that fill to be applied on the next load, never lost or counted twice.
 */
import { Op, QueryTypes, UniqueConstraintError, type Model, type ModelStatic, type Sequelize } from "sequelize";
import {
  MM_CONTROLS_TABLE,
  MM_FILLS_TABLE,
  MM_PNL_TABLE,
  mmControlColumns,
  mmFillColumns,
  mmPnlColumns,
} from "../db/schemas/market-maker";
import { PositionLedger, type AccountingFill, type LedgerSnapshot } from "./accounting";

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
  /** The ledger columns include exactly the bot's fills with seq <= fill_seq; null: a snapshot of before seq (rebuilt from all fills). */
  fill_seq: number | null;
  other_fees: string | null;
  last_fill_at: number | string | null;
  /** Maker fills with seq <= hedged_seq had their hedge finished by a running bot (absent: left as stored). */
  hedged_seq?: number | null;
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
  seq: number | string;
}

/** A fill attributed to a bot, before booking. */
export interface AttributedFill extends AccountingFill {
  bot: string;
  exchange: string;
  symbol: string;
  clientOrderId: string | null;
  role: "maker" | "hedge";
}

/** A booked fill: `seq` is its place in the bot's sequence (1, 2, ...). */
export interface BookedFill extends AttributedFill {
  seq: number;
}

/** A bot's ledger as rebuilt from its snapshot, and what that took. */
export interface LoadedLedger {
  ledger: PositionLedger;
  /** The last fill the ledger includes (0: none). */
  seq: number;
  /** The fills applied on top of the snapshot (all of them for a snapshot of before seq). */
  replayed: BookedFill[];
}

/** What makes a fill unique (the mm_fills_identity index): exchange trade ids repeat across symbols and for a self-trade's two sides. */
const fillIdentity = (fill: { exchange: string; symbol: string; tradeId: string; side: string }) => ({ exchange: fill.exchange, symbol: fill.symbol, trade_id: fill.tradeId, side: fill.side });

export class MarketMakerStore {
  private readonly fills: ModelStatic<Model>;
  private readonly pnl: ModelStatic<Model>;
  private readonly controls: ModelStatic<Model>;

  constructor(
    private readonly bots: ModelStatic<Model>,
    private readonly sequelize: Sequelize,
  ) {
    this.fills = sequelize.define(MM_FILLS_TABLE, mmFillColumns, { tableName: MM_FILLS_TABLE, timestamps: false });
    this.pnl = sequelize.define(MM_PNL_TABLE, mmPnlColumns, { tableName: MM_PNL_TABLE, timestamps: false });
    this.controls = sequelize.define(MM_CONTROLS_TABLE, mmControlColumns, { tableName: MM_CONTROLS_TABLE, timestamps: false });
  }

  /**
   * Books a fill as the next of its bot's sequence; null when it was booked before. One
   * statement: the seq is MAX + 1 of the bot's fills, and the unique (bot, seq) index turns a
   * concurrent booking of the same bot into a retry.
   */
  async recordFill(fill: AttributedFill): Promise<BookedFill | null> {
    const t = MM_FILLS_TABLE;
    for (let attempt = 0; ; attempt++) {
      try {
        const sql = `INSERT INTO ${t} (bot, exchange, symbol, trade_id, client_order_id, side, price, amount, fee_cost, fee_currency, role, timestamp, created_at, seq)
           SELECT :bot, :exchange, :symbol, :tradeId, :clientOrderId, :side, :price, :amount, :feeCost, :feeCurrency, :role, :ts, :createdAt, COALESCE(MAX(seq), 0) + 1
           FROM ${t} WHERE bot = :bot`;
        const replacements = { ...fill, createdAt: new Date() };
        if (this.sequelize.getDialect() === "postgres") {
          const rows = (await this.sequelize.query(`${sql} RETURNING seq`, { type: QueryTypes.SELECT, replacements })) as Array<{ seq: number | string }>;
          return { ...fill, seq: Number(rows[0].seq) };
        }
        // SQLite (sequelize cannot read RETURNING rows there): one writer, so read it back.
        await this.sequelize.query(sql, { type: QueryTypes.INSERT, replacements });
        const row = (await this.fills.findOne({ where: fillIdentity(fill), attributes: ["seq"], raw: true })) as unknown as { seq: number };
        return { ...fill, seq: Number(row.seq) };
      } catch (err) {
        if (!(err instanceof UniqueConstraintError)) throw err;
        // Booked before (the same fill), or another node took this seq first: try the next.
        if (await this.fills.count({ where: fillIdentity(fill) })) return null;
        if (attempt >= 50) throw err;
      }
    }
  }

  /** A bot's fills with a seq above `after`, in seq order. */
  async fillsAfter(bot: string, after: number): Promise<BookedFill[]> {
    const rows = (await this.fills.findAll({ where: { bot, seq: { [Op.gt]: after } }, order: [["seq", "ASC"]], raw: true })) as unknown as FillRow[];
    return rows.map(toBookedFill);
  }

  /**
   * A bot's ledger: its snapshot (mm_bots) plus the fills booked after it. A snapshot of
   * before seq (fill_seq null) is ignored and every fill replayed, once.
   */
  async loadLedger(bot: string, base: string, quote: string, row?: BotRow | null): Promise<LoadedLedger> {
    const snap = row === undefined ? await this.getBot(bot) : row;
    const from = snap && snap.fill_seq !== null && snap.fill_seq !== undefined ? Number(snap.fill_seq) : null;
    const ledger = new PositionLedger(base, quote, from === null || !snap ? undefined : snapshotOf(snap, base, quote));
    const replayed = await this.fillsAfter(bot, from ?? 0);
    for (const f of replayed) ledger.apply(f);
    return { ledger, seq: replayed.length ? replayed[replayed.length - 1].seq : (from ?? 0), replayed };
  }

  /**
   * Brings the snapshot of a bot nobody is quoting up to its last booked fill (a removed,
   * stopped or halted bot's late fills). Written only if the snapshot did not move meanwhile.
   */
  async settle(bot: string): Promise<BotRow | null> {
    const row = await this.getBot(bot);
    if (!row) return null;
    const [base, quote] = row.symbol.split("/");
    const { ledger, seq, replayed } = await this.loadLedger(bot, base, quote, row);
    if (replayed.length === 0) return row;
    const cols = ledgerColumns(ledger.snapshot(), row.unrealized, seq);
    await this.bots.update({ ...cols, updated_at: new Date() }, { where: { name: bot, fill_seq: row.fill_seq === null ? { [Op.is]: null } : row.fill_seq } });
    return { ...row, ...cols };
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
    seq: Number(r.seq),
  };
}

/** The LedgerSnapshot a bot row holds. */
export function snapshotOf(row: BotRow, base: string, quote: string): LedgerSnapshot {
  return {
    base,
    quote,
    position: row.position,
    avgEntryPrice: row.avg_entry_price,
    realized: row.realized,
    feesPaid: row.fees_paid,
    volume: row.volume,
    fills: Number(row.fills),
    lastFillAt: row.last_fill_at === null || row.last_fill_at === undefined ? null : Number(row.last_fill_at),
    otherFees: row.other_fees ? (JSON.parse(row.other_fees) as Record<string, string>) : {},
  };
}

/** A snapshot's columns in mm_bots; `fillSeq` is the last fill it includes (always written with it). */
export function ledgerColumns(snap: LedgerSnapshot, unrealized: string, fillSeq: number) {
  return {
    fill_seq: fillSeq,
    other_fees: snap.otherFees && Object.keys(snap.otherFees).length ? JSON.stringify(snap.otherFees) : null,
    last_fill_at: snap.lastFillAt,
    position: snap.position,
    avg_entry_price: snap.avgEntryPrice,
    realized: snap.realized,
    unrealized,
    fees_paid: snap.feesPaid,
    volume: snap.volume,
    fills: snap.fills,
  };
}
