/** A real MarketMakerStore on an in-memory SQLite database (migrated like the service's), and fill builders. */
import { Sequelize } from "sequelize";
import type { WireFill } from "../../../lib/cex";
import { botTag } from "../../../lib/market-maker/client-order-id";
import { MarketMakerStore } from "../../../lib/market-maker/store";
import { hedgeTagOf } from "../../../lib/market-maker/venues";
import { migrateUp } from "../../../lib/db/migrations";
import { MM_BOTS_TABLE, mmBotColumns, mmMigrations } from "../../../lib/db/schemas/market-maker";

export interface SqliteStore {
  store: MarketMakerStore;
  close(): Promise<void>;
}

export async function sqliteStore(): Promise<SqliteStore> {
  const sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
  await migrateUp(sequelize, "market-maker", mmMigrations);
  const bots = sequelize.define(MM_BOTS_TABLE, mmBotColumns, { tableName: MM_BOTS_TABLE, timestamps: false });
  return { store: new MarketMakerStore(bots, sequelize), close: () => sequelize.close() };
}

let n = 0;
/** A venue fill of `bot`'s order (or of its hedger's), as cex emits it. */
export function wireFill(bot: string, side: "buy" | "sell", price: string, amount: string, opts: { hedge?: boolean; tradeId?: string } = {}): WireFill {
  n += 1;
  return {
    exchange: "paper",
    tradeId: opts.tradeId ?? `unit-${n}`,
    orderId: `o${n}`,
    clientOrderId: `${botTag(opts.hedge ? hedgeTagOf(bot) : bot)}-lq3k9x2a-${String(n).padStart(4, "0")}-00000000`,
    symbol: "BTC/USDT",
    side,
    price,
    amount,
    cost: "0",
    takerOrMaker: "maker",
    fee: { cost: "0.01", currency: "USDT" },
    timestamp: 1_700_000_000_000 + n,
  };
}
