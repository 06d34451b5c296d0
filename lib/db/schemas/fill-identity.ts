/**
 * The migration that widens a fills table's unique key from (exchange, trade id) to
 * (exchange, symbol, trade id, side): a trade id is unique per exchange only together with the
 * symbol (Binance numbers trades per symbol) and the side (a self-trade is one trade with a buy
 * and a sell), so the narrow key dropped the second of two such fills as a duplicate.
 * cex_fills and mm_fills take it alike; `indexPrefix` names their indexes.
 */
import type { Migration } from "../migrations";

export function fillIdentityMigration(name: string, table: string, indexPrefix: string): Migration {
  const narrow = `${indexPrefix}_exchange_trade_id`;
  const wide = `${indexPrefix}_identity`;
  return {
    name,
    async up(qi) {
      await qi.removeIndex(table, narrow);
      await qi.addIndex(table, ["exchange", "symbol", "trade_id", "side"], { unique: true, name: wide });
    },
    async down(qi) {
      await qi.removeIndex(table, wide);
      await qi.addIndex(table, ["exchange", "trade_id"], { unique: true, name: narrow });
    },
  };
}
