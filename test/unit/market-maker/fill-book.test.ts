/**
 * Booking the bots' fills (lib/market-maker/fill-book.ts, fill-attribution.ts) on a real
 * store (SQLite): a fill delivered twice (event and durable bus) is booked once, each bot's
 * fills are numbered gap-free, a removed bot's fill is booked (and settled) under its name.
 */
import { FillAttribution } from "../../../lib/market-maker/fill-attribution";
import { FillBook } from "../../../lib/market-maker/fill-book";
import type { BookedFill, MarketMakerStore } from "../../../lib/market-maker/store";
import { ledgerColumns } from "../../../lib/market-maker/store";
import { PositionLedger } from "../../../lib/market-maker/accounting";
import { sqliteStore, wireFill, type SqliteStore } from "./store.harness";

describe("FillBook", () => {
  let db: SqliteStore;
  let store: MarketMakerStore;
  let announced: BookedFill[];
  let quoted: Set<string>;
  let now: number;
  let attribution: FillAttribution;
  let book: FillBook;

  const fresh = (known: string[]) => {
    announced = [];
    quoted = new Set(known);
    now = 1_000_000;
    attribution = new FillAttribution({ listBotNames: async () => (await store.listBots()).map((r) => r.name), now: () => now });
    attribution.reset(known);
    book = new FillBook({ store, attribution, announce: async (f) => announced.push(f), quotedHere: (bot) => quoted.has(bot) });
  };

  beforeEach(async () => {
    db = await sqliteStore();
    store = db.store;
  });
  afterEach(() => db.close());

  it("books a fill delivered twice (the event and the bus, at once and later) once, with one insert", async () => {
    fresh(["a"]);
    const inserts = jest.spyOn(store, "recordFill");
    const f = wireFill("a", "buy", "100", "0.001");
    await Promise.all([book.book(f), book.book({ ...f })]); // event and bus copy together
    await book.book({ ...f }); // a later redelivery
    expect(await store.fillsOf("a")).toHaveLength(1);
    expect(announced.map((b) => [b.bot, b.seq, b.tradeId])).toEqual([["a", 1, f.tradeId]]);
    expect(inserts).toHaveBeenCalledTimes(1);
  });

  it("books two bots' fills that share a trade id: another symbol (ids per symbol) or the other side of a self-trade", async () => {
    fresh(["a", "b"]);
    const f = wireFill("a", "buy", "100", "0.001");
    await book.book(f);
    await book.book({ ...wireFill("b", "sell", "100", "0.001"), tradeId: f.tradeId }); // the self-trade's other side
    await book.book({ ...wireFill("b", "buy", "200", "0.001"), tradeId: f.tradeId, symbol: "ETH/USDT" });
    fresh(["a", "b"]); // and at the database, with nothing in memory
    await book.book({ ...wireFill("b", "buy", "200", "0.001"), tradeId: f.tradeId, symbol: "ETH/USDT" });
    expect(await store.fillsOf("a")).toHaveLength(1);
    expect(await store.fillsOf("b")).toHaveLength(2);
  });

  it("stops at the database a copy another node booked (no second row, no second announcement)", async () => {
    fresh(["a"]);
    const f = wireFill("a", "buy", "100", "0.001");
    await book.book(f);
    fresh(["a"]); // another node: nothing in memory
    await book.book({ ...f });
    expect(await store.fillsOf("a")).toHaveLength(1);
    expect(announced).toEqual([]);
  });

  it("numbers each bot's fills 1, 2, 3 ... without gaps, also when booked concurrently", async () => {
    fresh(["a", "b"]);
    const fills = Array.from({ length: 12 }, (_, i) => wireFill(i % 3 ? "a" : "b", i % 2 ? "sell" : "buy", String(100 + i), "0.001"));
    await Promise.all(fills.map((f) => book.book(f)));
    const seqs = (bot: string) => announced.filter((b) => b.bot === bot).map((b) => b.seq).sort((x, y) => x - y);
    expect(seqs("a")).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(seqs("b")).toEqual([1, 2, 3, 4]);
    expect((await store.fillsAfter("a", 0)).map((f) => f.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("books the hedger's fills as the bot's hedge role, and ignores orders that are no bot's", async () => {
    fresh(["a"]);
    await book.book(wireFill("a", "sell", "101", "0.002", { hedge: true }));
    await book.book({ ...wireFill("a", "buy", "100", "1"), clientOrderId: "manual-order-1" });
    await book.book({ ...wireFill("a", "buy", "100", "1"), clientOrderId: null });
    expect(announced.map((b) => [b.bot, b.role, b.seq])).toEqual([["a", "hedge", 1]]);
  });

  it("books a fill of a bot removed from config under its name and folds it into its snapshot", async () => {
    const ledger = new PositionLedger("BTC", "USDT");
    await store.saveBot({ name: "gone", exchange: "paper", symbol: "BTC/USDT", strategy: "pure_market_making", state: "stopped", halt_reason: null, node_id: null, ...ledgerColumns(ledger.snapshot(), "0", 0), pnl_state: null });
    fresh(["keep"]); // config no longer has "gone"; its row is read when its tag shows up
    const f = wireFill("gone", "buy", "100", "0.5");
    await book.book(f);
    expect(announced.map((b) => [b.bot, b.seq])).toEqual([["gone", 1]]);
    expect((await store.fillsOf("gone")).map((b) => b.tradeId)).toEqual([f.tradeId]);
    // Nobody quotes it: the snapshot took the fill.
    expect(await store.getBot("gone")).toMatchObject({ fill_seq: 1, position: "0.5", fills: 1 });
  });

  it("leaves the snapshot of a bot quoted here (or running elsewhere) to its runner", async () => {
    const ledger = new PositionLedger("BTC", "USDT");
    for (const [name, state] of [["here", "running"], ["elsewhere", "running"]]) {
      await store.saveBot({ name, exchange: "paper", symbol: "BTC/USDT", strategy: "pure_market_making", state, halt_reason: null, node_id: null, ...ledgerColumns(ledger.snapshot(), "0", 0), pnl_state: null });
    }
    fresh(["here", "elsewhere"]);
    quoted.delete("elsewhere");
    await book.book(wireFill("here", "buy", "100", "1"));
    await book.book(wireFill("elsewhere", "buy", "100", "1"));
    expect(await store.getBot("here")).toMatchObject({ fill_seq: 0, fills: 0 });
    expect(await store.getBot("elsewhere")).toMatchObject({ fill_seq: 0, fills: 0 });
  });

  it("re-reads the bots' rows for an unknown bot tag at most once per interval", async () => {
    fresh([]);
    const reads = jest.spyOn(store, "listBots");
    await book.book(wireFill("nobody", "buy", "100", "1"));
    await book.book(wireFill("nobody", "buy", "100", "1"));
    expect(reads).toHaveBeenCalledTimes(1);
    const ledger = new PositionLedger("BTC", "USDT");
    await store.saveBot({ name: "nobody", exchange: "paper", symbol: "BTC/USDT", strategy: "x", state: "stopped", halt_reason: null, node_id: null, ...ledgerColumns(ledger.snapshot(), "0", 0), pnl_state: null });
    now += 5_001;
    await book.book(wireFill("nobody", "buy", "100", "1"));
    expect(reads).toHaveBeenCalledTimes(2);
    expect(announced.map((b) => b.bot)).toEqual(["nobody"]);
  });
});
