/**
 * Market-making bots (SERVICES name `market-maker`, Moleculer service `mm`).
 *
 * Bots come from `strategies` config documents (lib/market-maker/bot-spec.ts) and follow
 * `config.changed` live: enabled → started, disabled/removed → stopped (orders cancelled),
 * new version → restarted with the new parameters. Each bot is quoted by exactly one node:
 * a node runs a bot only while it holds the bot's lease (lib/lease; PostgreSQL or Redis
 * in a cluster), and a node that takes a bot over cancels what the previous owner left
 * resting before it quotes. The bot logic itself is lib/market-maker/bot.ts.
 *
 * Fills: `order.filled` whose clientOrderId carries a bot's tag (a bot in config, or one
 * removed from it that still has a row: lib/market-maker/fill-attribution.ts) is booked once
 * in mm_fills as the next of the bot's fill sequence (lib/market-maker/fill-book.ts), then
 * broadcast as `mm.fill.booked` so the node running the bot applies it, in sequence order
 * (lib/market-maker/fill-sequence.ts). Both the event and the durable bus channel book: the
 * event does not depend on RabbitMQ, the bus reaches a node that was down. A bot's row in
 * mm_bots is a snapshot of its ledger that names the last fill it includes
 * (lib/market-maker/snapshots.ts); a node (re)starting a bot applies only the fills booked
 * after it (lib/market-maker/store.ts).
 *
 * Dead man's switch: while a bot quotes an exchange that has one (ccxt cancelAllOrdersAfter,
 * `cex.cancelAllAfter`), this node keeps it armed (lib/market-maker/dead-man.ts), so a node that
 * dies leaves no quotes resting past `deadManTimeoutMs`.
 *
 * Kill switches: a bot's daily-loss or drawdown limit halts that bot (orders cancelled,
 * state `halted` persisted so no node restarts it, `alert.raised` on the durable bus);
 * `mm.killSwitch` halts every bot on every node and keeps them down until `mm.resume`.
 *
 * Metrics: each bot quoted here emits `mm.pnl.updated` (its mark: realized/unrealized/total
 * PnL, drawdown from its equity peak as the drawdown kill switch measures it, base share of
 * its inventory value) on every fill and every markIntervalMs; `mm.inventory.updated` when its
 * holdings change; `mm.quote.placed` per quote. The monitoring service turns them into
 * mmesh_pnl, mmesh_drawdown_ratio, mmesh_inventory_ratio, mmesh_inventory, ... (lib/monitoring).
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Bot, type BotStatus } from "../lib/market-maker/bot";
import { buildBotSpecs, type BotSpec, type ConfigDocument, type MarketDoc, type StrategyDoc } from "../lib/market-maker/bot-spec";
import { botMark, pnlReport } from "../lib/market-maker/accounting";
import { MarketMakerStore, ledgerColumns, type BookedFill } from "../lib/market-maker/store";
import { FillAttribution } from "../lib/market-maker/fill-attribution";
import { FillBook } from "../lib/market-maker/fill-book";
import { FillSequence } from "../lib/market-maker/fill-sequence";
import { restoredMakerFills, unhedgedAfter } from "../lib/market-maker/restored-fills";
import { BotSnapshots } from "../lib/market-maker/snapshots";
import { cexMarketRules, cexVenue, hedgerFor, liveFeeRates, type Call } from "../lib/market-maker/venues";
import { botAlert } from "../lib/market-maker/alerts";
import { DeadManSwitches } from "../lib/market-maker/dead-man";
import { createStrategy, orderPolicyOf } from "../lib/strategies";
import type { Level } from "../lib/strategies/types";
import { createLeaseStore, LeaseKeeper, type LeaseStore } from "../lib/lease";
import { MM_BOTS_TABLE, mmBotColumns, mmMigrations } from "../lib/db/schemas/market-maker";
import type { WireFill } from "../lib/cex";
import type { CexPriceUpdate } from "../lib/price-feed/events";
import type { CexPriceAlive } from "../lib/price-feed/liveness";
import { notFound } from "../lib/errors";
import { DEMO_MARKET, DEMO_STRATEGY } from "../lib/market-maker/demo";
import type { RuntimeEnv } from "../lib/runtime/env";
import { createDbMixin, sequelizeOf } from "../mixins/db.mixin";

export interface MarketMakerSettings extends ServiceSettingSchema {
  /** A bot's lease lives this long without renewal; a dead node's bots move after about this. */
  leaseTtlMs: number;
  /** How often bot rows (unrealized PnL, equity baseline) are saved. */
  persistIntervalMs: number;
  /** PnL history gets a point per fill, and otherwise at most one per bot this often (it is kept forever). */
  pnlHistoryIntervalMs: number;
  /** Wait between attempts to read config while the config service is not reachable; a failed sync retries after this, doubling up to 30 s. */
  configRetryMs: number;
  /** Bots are also synced with config this often, so a `config.changed` this node missed (a broadcast is not redelivered) is caught up. */
  configResyncMs: number;
  /** How often each bot quoted here re-emits its mark-to-market (`mm.pnl.updated`: PnL, drawdown, inventory ratio) for the metrics. */
  markIntervalMs: number;
}

interface Runner {
  spec: BotSpec;
  keeper: LeaseKeeper;
  bot: Bot | null;
  /** start/stop of the bot run one after the other. */
  chain: Promise<void>;
  error: string | null;
  /** The running bot's booked fills, applied in sequence order (`fills.seq`: the last one its ledger includes). */
  fills: FillSequence;
}

interface Vars {
  store: MarketMakerStore;
  /** Bots' rows, saved one at a time per bot and only when changed. */
  snapshots: BotSnapshots;
  /** Which bot a fill belongs to (bots in config and bots with a row, removed ones too). */
  attribution: FillAttribution;
  fillBook: FillBook;
  leases: LeaseStore;
  /** The exchanges' dead man's switches, armed while bots quote there from this node. */
  deadMan: DeadManSwitches;
  runners: Map<string, Runner>;
  /** `venue|symbol` → runners quoting that CEX market, and runners using it as their reference (rebuilt with `runners`). */
  byMarket: Map<string, Runner[]>;
  byReference: Map<string, Runner[]>;
  specErrors: Array<{ name: string; error: string }>;
  killed: { reason: string; at: string } | null;
  syncing: Promise<void>;
  /** Failed syncs in a row (sets the back-off of the next retry), and the pending retry or periodic sync. */
  syncFailures: number;
  syncRetry: NodeJS.Timeout | null;
  resyncTimer: NodeJS.Timeout | null;
  persistTimer: NodeJS.Timeout | null;
  markTimer: NodeJS.Timeout | null;
  stopping: boolean;
}

interface Methods {
  call: Call;
  sync(): Promise<void>;
  retrySync(delayMs: number): void;
  startBot(runner: Runner): Promise<void>;
  stopBot(runner: Runner, reason: string): Promise<void>;
  retire(name: string): Promise<void>;
  applyBooked(fill: BookedFill): void;
  persistBot(bot: Bot, seq: number): Promise<void>;
  emitMark(bot: Bot, onlyWithMid?: boolean): void;
  raise(alert: ReturnType<typeof botAlert>): Promise<void>;
  localStatuses(): BotStatus[];
  reindex(): void;
  seedDemoBot(): Promise<void>;
  killAll(reason: string): Promise<number>;
}


/** An event's depth as numbers for the strategies (undefined: the event carries the top only). */
const levelsOf = (levels: Array<[string, string]> | undefined): Level[] | undefined => (levels && levels.length > 0 ? levels.map(([p, a]): Level => [Number(p), Number(a)]) : undefined);

const BOT = { type: "string", min: 1, max: 64, pattern: /^[a-zA-Z0-9_.-]+$/ } as const;
const KILL_KEY = "kill_switch";

export default function createMarketMakerService(env: RuntimeEnv, overrides: Partial<MarketMakerSettings> = {}): ServiceSchema {
  const schema: ServiceSchema<MarketMakerSettings, Methods, Vars> = {
    name: "mm",
    // Events and cache keys under the Moleculer name (mm); the migration history stays under
    // "market-maker", where every existing database recorded it (and the SERVICES name).
    mixins: [createDbMixin({ service: "mm", migrationsAs: "market-maker", table: MM_BOTS_TABLE, define: mmBotColumns, migrations: mmMigrations, database: env.database })],

    settings: {
      leaseTtlMs: 5_000,
      persistIntervalMs: 5_000,
      pnlHistoryIntervalMs: 60_000,
      configRetryMs: 1_000,
      configResyncMs: 30_000,
      markIntervalMs: 5_000,
      ...overrides,
    },

    actions: {
      status: {
        rest: "GET /status",
        role: "viewer",
        summary: "Every bot: configuration errors, which node quotes it, state, live orders, inventory, position and PnL, strategy internals; the global kill switch",
        async handler() {
          const nodes = this.broker.registry.getServiceList({ onlyAvailable: true }).filter((s) => s.name === "mm").map((s) => (s as unknown as { nodeID: string }).nodeID);
          const live = (
            await Promise.all(
              [...new Set(nodes)].map((nodeID) => this.broker.call("mm.local", {}, { nodeID }).catch(() => [] as BotStatus[]) as Promise<Array<BotStatus & { node: string }>>),
            )
          ).flat();
          const rows = new Map((await this.store.listBots()).map((r) => [r.name, r]));
          const runningBots = new Map(live.map((b) => [b.name, b]));
          const names = new Set([...rows.keys(), ...this.runners.keys(), ...runningBots.keys()]);
          return {
            killSwitch: this.killed ? { engaged: true, ...this.killed } : { engaged: false },
            errors: this.specErrors,
            bots: [...names].sort().map((name) => {
              const row = rows.get(name);
              const running = runningBots.get(name);
              const runner = this.runners.get(name);
              return {
                name,
                enabled: runner?.spec.enabled ?? false,
                node: running?.node ?? null,
                state: running?.state ?? row?.state ?? "stopped",
                haltReason: running?.haltReason ?? row?.halt_reason ?? null,
                exchange: running?.exchange ?? row?.exchange ?? runner?.spec.market.venue,
                symbol: running?.symbol ?? row?.symbol ?? runner?.spec.market.symbol,
                strategy: running?.strategy ?? row?.strategy ?? runner?.spec.strategy,
                ...(running ? { live: running } : {}),
              };
            }),
          };
        },
      },

      local: {
        visibility: "public",
        idempotent: true,
        summary: "The bots this node quotes (mm.status gathers it from every node)",
        handler() {
          return this.localStatuses().map((s) => ({ ...s, node: this.broker.nodeID }));
        },
      },

      pnl: {
        rest: "GET /pnl",
        role: "viewer",
        summary: "Realized, unrealized and total PnL, fees and position per bot and in total (quote currency, decimal strings; average cost)",
        async handler() {
          const rows = await this.store.listBots();
          const local = new Map(this.localStatuses().map((s) => [s.name, s]));
          // A bot quoted here: its live ledger; elsewhere or not at all: its last snapshot.
          return pnlReport(
            rows.map((r) => {
              const l = local.get(r.name);
              return {
                bot: r.name,
                exchange: r.exchange,
                symbol: r.symbol,
                ledger: l ? l.ledger : { position: r.position, avgEntryPrice: r.avg_entry_price, realized: r.realized, feesPaid: r.fees_paid, volume: r.volume, fills: r.fills },
                unrealized: l ? l.unrealized : r.unrealized,
              };
            }),
          );
        },
      },

      fills: {
        rest: "GET /bots/:bot/fills",
        role: "viewer",
        summary: "A bot's booked fills (maker and hedge), newest first",
        params: { bot: BOT, limit: { type: "number", integer: true, positive: true, max: 1000, optional: true, convert: true } },
        async handler(ctx: Context<{ bot: string; limit?: number }>) {
          return this.store.fillsOf(ctx.params.bot, { limit: ctx.params.limit ?? 100, newestFirst: true });
        },
      },

      pnlHistory: {
        rest: "GET /bots/:bot/pnl",
        role: "viewer",
        summary: "A bot's PnL over time: a point per fill, otherwise at most one a minute (pnlHistoryIntervalMs)",
        params: { bot: BOT, since: { type: "number", integer: true, min: 0, optional: true, convert: true } },
        async handler(ctx: Context<{ bot: string; since?: number }>) {
          return this.store.pnlHistory(ctx.params.bot, ctx.params.since ?? 0);
        },
      },

      pause: {
        rest: "POST /bots/:bot/pause",
        role: "trader",
        summary: "Stop quoting a bot (its orders are cancelled) until it is resumed; it stays paused across restarts",
        params: { bot: BOT },
        async handler(ctx: Context<{ bot: string }>) {
          const row = await this.store.getBot(ctx.params.bot);
          if (!row && !this.runners.has(ctx.params.bot)) throw notFound(`Bot ${ctx.params.bot}`);
          if (row) await this.store.setBotState(ctx.params.bot, "paused", null, null);
          await ctx.broadcast("mm.bot.controlled", { bot: ctx.params.bot, action: "pause" }, { groups: ["mm"] });
          return { bot: ctx.params.bot, state: "paused" };
        },
      },

      resumeBot: {
        rest: "POST /bots/:bot/resume",
        role: "trader",
        summary: "Resume a paused or halted bot (a halted bot's loss limits start again from now)",
        params: { bot: BOT },
        async handler(ctx: Context<{ bot: string }>) {
          const row = await this.store.getBot(ctx.params.bot);
          if (!row) throw notFound(`Bot ${ctx.params.bot}`);
          await this.store.saveBot({ ...row, state: "stopped", halt_reason: null, node_id: null, pnl_state: null });
          await ctx.broadcast("mm.bot.controlled", { bot: ctx.params.bot, action: "resume" }, { groups: ["mm"] });
          return { bot: ctx.params.bot, state: "resuming" };
        },
      },

      killSwitch: {
        rest: "POST /kill-switch",
        role: "trader",
        summary: "Global kill switch: every bot on every node cancels its orders and stops until mm.resume",
        params: { reason: { type: "string", min: 1, max: 300, default: "kill switch" } },
        async handler(ctx: Context<{ reason: string }>) {
          const killed = { reason: ctx.params.reason, at: new Date().toISOString(), by: (ctx.meta as { user?: { username?: string } }).user?.username ?? null };
          await this.store.setControl(KILL_KEY, killed);
          // Every node stops its bots; the ack tells how many were quoting here.
          await ctx.broadcast("mm.kill.switched", killed, { groups: ["mm"] });
          const stopped = await this.killAll(killed.reason);
          await this.raise(botAlert({ kind: "raised", rule: "mm.kill_switch", bot: "*", severity: "critical", message: `Kill switch engaged: ${killed.reason}` }));
          return { engaged: true, ...killed, stoppedHere: stopped };
        },
      },

      resume: {
        rest: "POST /resume",
        role: "admin",
        summary: "Release the global kill switch; enabled bots start again",
        async handler(ctx: Context) {
          await this.store.setControl(KILL_KEY, null);
          await ctx.broadcast("mm.kill.released", {}, { groups: ["mm"] });
          await this.raise(botAlert({ kind: "resolved", rule: "mm.kill_switch", bot: "*", severity: "critical", message: "Kill switch released" }));
          return { engaged: false };
        },
      },
    },

    events: {
      "config.changed"(ctx: Context<{ kind?: string }>) {
        if (["strategies", "markets", "risk"].includes(ctx.params?.kind ?? "")) void this.sync();
      },

      "price.cex.updated": {
        // A synchronous handler of a fast, replaceable event: a bulkhead queue in front of it only adds work per tick.
        // (Moleculer reads `bulkhead` on event definitions; its EventSchema type does not list it.)
        ...({ bulkhead: { enabled: false } } as object),
        handler(ctx: Context<CexPriceUpdate>) {
          const p = ctx.params;
          const key = `${p.exchange}|${p.symbol}`;
          const quoting = this.byMarket.get(key);
          const referencing = this.byReference.get(key);
          if (!quoting && !referencing) return;
          const bid = Number(p.bid);
          const ask = Number(p.ask);
          const snapshot = { ts: p.ts, bestBid: bid, bestAsk: ask, bids: levelsOf(p.bids) ?? [[bid, Number(p.bidSize)]], asks: levelsOf(p.asks) ?? [[ask, Number(p.askSize)]] };
          if (quoting) for (const r of quoting) r.bot?.onPrice(snapshot, p.receivedAt);
          if (referencing) for (const r of referencing) r.bot?.onReferencePrice(snapshot, p.receivedAt);
        },
      },

      "price.cex.alive"(ctx: Context<CexPriceAlive>) {
        // The feed heard from the market but its top did not move: the last price still holds.
        const quoting = this.byMarket.get(`${ctx.params.exchange}|${ctx.params.symbol}`);
        if (quoting) for (const r of quoting) r.bot?.onFeedAlive(ctx.params.receivedAt);
      },

      "price.dex.updated"(ctx: Context<{ pool: string; price: string; ts: number }>) {
        const price = Number(ctx.params.price);
        for (const r of this.runners.values()) {
          const ref = r.spec.reference;
          if (r.bot && ref?.kind === "dex" && ref.pool?.toLowerCase() === ctx.params.pool.toLowerCase()) {
            r.bot.onReferencePrice({ ts: ctx.params.ts, bestBid: price, bestAsk: price }, Date.now());
          }
        }
      },

      "price.cex.stale"(ctx: Context<{ exchange: string; symbol: string }>) {
        for (const r of this.runners.values()) if (r.bot && r.spec.market.venue === ctx.params.exchange && r.spec.market.symbol === ctx.params.symbol) r.bot.onStale();
      },

      "order.filled"(ctx: Context<WireFill>) {
        // (Before `started` nothing is attributed yet: no bot is known.)
        if (!this.fillBook) return;
        void this.fillBook.book(ctx.params).catch((err: Error) => this.logger.error(`fill ${ctx.params.exchange}:${ctx.params.tradeId} not booked from the event: ${err.message}`));
      },

      "mm.fill.booked"(ctx: Context<BookedFill>) {
        this.applyBooked(ctx.params);
      },

      async "mm.kill.switched"(ctx: Context<{ reason: string; at: string }>) {
        await this.killAll(ctx.params.reason);
      },

      async "mm.kill.released"() {
        this.killed = null;
        await this.sync();
      },

      async "mm.bot.controlled"(ctx: Context<{ bot: string; action: "pause" | "resume" }>) {
        const r = this.runners.get(ctx.params.bot);
        if (ctx.params.action === "pause" && r) {
          // Stopped as paused, then its runner goes with its lease: resume's sync starts a fresh one
          // (a runner left behind was never started again).
          if (r.bot) await this.stopBot(r, "paused");
          await this.retire(ctx.params.bot);
        }
        if (ctx.params.action === "resume") await this.sync();
      },
    },

    channels: {
      "order.filled": {
        group: "mm",
        async handler(payload: unknown) {
          await this.fillBook.book(payload as WireFill);
        },
      },
    },

    methods: {
      call(action, params, opts) {
        return this.broker.call(action, params, opts);
      },

      /** Reads the config documents and makes the set of runners match them. */
      async sync() {
        const run = async () => {
          // Past the cache: a sync decides which bots trade, and is rare (config changes, every configResyncMs).
          const [strategies, markets, risks] = (await Promise.all(["strategies", "markets", "risk"].map((kind) => this.broker.call("config.list", { kind }, { meta: { $cache: false } })))) as [
            ConfigDocument<StrategyDoc>[],
            ConfigDocument<MarketDoc>[],
            ConfigDocument[],
          ];
          this.killed = await this.store.getControl(KILL_KEY);
          const results = buildBotSpecs(strategies, markets, risks);
          const known = new Set(this.specErrors.map((e) => e.error));
          this.specErrors = results.filter((r): r is { ok: false; name: string; error: string } => !r.ok).map(({ name, error }) => ({ name, error }));
          // Once per error, not on every periodic sync.
          for (const e of this.specErrors) if (!known.has(e.error)) this.logger.warn(e.error);
          const specs = new Map(results.filter((r): r is { ok: true; spec: BotSpec } => r.ok).map((r) => [r.spec.name, r.spec]));
          // Bots removed from config keep their tags: their last orders' fills are still theirs.
          this.attribution.reset([...(await this.store.listBots()).map((r) => r.name), ...specs.keys()]);
          for (const name of [...this.runners.keys()]) {
            const spec = specs.get(name);
            // Any change of the bot's strategy, market or risk document restarts it with the new settings.
            if (!spec || !spec.enabled || this.killed || JSON.stringify(spec) !== JSON.stringify(this.runners.get(name)!.spec)) await this.retire(name);
          }
          if (this.killed || this.stopping) return;
          for (const spec of specs.values()) {
            if (!spec.enabled || this.runners.has(spec.name)) continue;
            const row = await this.store.getBot(spec.name);
            if (row && (row.state === "halted" || row.state === "paused")) continue;
            const runner: Runner = { spec, bot: null, chain: Promise.resolve(), error: null, keeper: null as unknown as LeaseKeeper, fills: null as unknown as FillSequence };
            runner.fills = new FillSequence({
              bot: spec.name,
              store: this.store,
              target: () => runner.bot,
              applied: (_fill, seq) => {
                if (runner.bot) void this.persistBot(runner.bot, seq).catch((err: Error) => this.logger.warn(`bot ${spec.name} not saved: ${err.message}`));
              },
              readBack: (fill) => this.fillBook.seen(fill),
              warn: (m) => this.logger.warn(m),
            });
            runner.keeper = new LeaseKeeper({
              store: this.leases,
              key: `bot:${spec.name}`,
              owner: this.broker.nodeID,
              ttlMs: this.settings.leaseTtlMs,
              onAcquired: () => {
                runner.chain = runner.chain.then(() => this.startBot(runner));
              },
              onLost: (reason: string) => {
                if (reason !== "stopped") this.logger.warn(`bot ${spec.name}: lease lost (${reason}); stopping here`);
                runner.chain = runner.chain.then(() => this.stopBot(runner, "lease lost"));
              },
            });
            this.runners.set(spec.name, runner);
            this.reindex();
            runner.keeper.start();
          }
        };
        this.syncing = this.syncing.then(run, run).then(
          () => {
            this.syncFailures = 0;
          },
          (err: Error) => {
            // A config.changed is heard once: a sync lost to a timeout would leave the bot unstarted until the next change.
            const delayMs = Math.min(this.settings.configRetryMs * 2 ** this.syncFailures++, 30_000);
            this.logger.warn(`bots not synced with config, retrying in ${delayMs} ms: ${err.message}`);
            this.retrySync(delayMs);
          },
        );
        return this.syncing;
      },

      retrySync(delayMs: number) {
        if (this.stopping || this.syncRetry) return;
        this.syncRetry = setTimeout(() => {
          this.syncRetry = null;
          void this.sync();
        }, delayMs);
        this.syncRetry.unref();
      },

      async startBot(runner: Runner) {
        const { spec } = runner;
        if (runner.bot || this.killed || this.stopping || !runner.keeper.held()) return;
        try {
          const call: Call = (a, p, o) => this.call(a, p, o);
          const { rules, decimalRules } = await cexMarketRules(call, spec.market);
          const takerRules = spec.strategy === "cross_exchange" && spec.reference?.kind === "cex" ? await cexMarketRules(call, spec.reference) : null;
          const takerLot = takerRules?.decimalRules.lotSize ?? null;
          Object.assign(rules, await liveFeeRates(call, spec.market, (m) => this.logger.warn(`bot ${spec.name}: ${m}`)));
          // The strategy prices the maker quotes with the taker venue's fee.
          if (takerRules && spec.params.takerFee === undefined) rules.takerFee = takerRules.rules.takerFee;
          const row = await this.store.getBot(spec.name);
          if (row && (row.state === "halted" || row.state === "paused")) {
            // Halted or paused meanwhile (maybe by another node): leave it down, give the lease back.
            void this.retire(spec.name);
            return;
          }
          // The snapshot plus only the fills booked after it.
          const { ledger, seq, replayed } = await this.store.loadLedger(spec.name, spec.market.base, spec.market.quote, row);
          const strategy = createStrategy(spec.strategy, spec.params);
          const policy = orderPolicyOf(spec.strategy, spec.params);
          const labels = { bot: spec.name, exchange: spec.market.venue, symbol: spec.market.symbol };
          if (spec.risk.maxDrawdownPct !== undefined && spec.capital === undefined) {
            this.logger.warn(`bot ${spec.name}: maxDrawdownPct is measured on the PnL alone (no drawdown before the PnL has been above 0); set capital on strategies/${spec.name} to measure it on capital + PnL`);
          }
          const bot = new Bot(
            {
              name: spec.name,
              exchange: spec.market.venue,
              symbol: spec.market.symbol,
              base: spec.market.base,
              quote: spec.market.quote,
              strategy,
              policy,
              rules,
              decimalRules,
              minRequoteIntervalMs: spec.minRequoteIntervalMs,
              risk: spec.risk,
              capital: spec.capital,
              canQuote: () => runner.keeper.held(),
            },
            cexVenue(call, spec.market),
            {
              quotePlaced: (q) => void this.broker.emit("mm.quote.placed", { ...labels, bid: q.bid, ask: q.ask, tickReceivedAt: q.tickReceivedAt, orderAckAt: q.orderAckAt, venueAckAt: q.venueAckAt }),
              // On every fill, and on the mark timer (the unrealized part, the drawdown and the inventory ratio move with the price).
              pnlUpdated: () => this.emitMark(bot),
              inventoryUpdated: (inv) => {
                void this.broker.emit("mm.inventory.updated", { bot: spec.name, exchange: spec.market.venue, asset: spec.market.base, amount: inv.base, ts: Date.now() });
                void this.broker.emit("mm.inventory.updated", { bot: spec.name, exchange: spec.market.venue, asset: spec.market.quote, amount: inv.quote, ts: Date.now() });
              },
              halted: (h) => {
                // Persist first so no node restarts it, then give the lease back.
                void this.store
                  .setBotState(spec.name, "halted", `${h.reason}: ${h.detail}`, null)
                  .catch(() => undefined)
                  .then(() => this.retire(spec.name));
                void this.broker.broadcast("mm.bot.halted", { ...labels, reason: h.reason, detail: h.detail });
                void this.raise(botAlert({ kind: "raised", rule: `mm.${h.reason}`, bot: spec.name, severity: "critical", message: `Bot ${spec.name} halted: ${h.detail}`, labels }));
              },
              hedgeFailed: (h) => {
                void this.broker.broadcast("mm.hedge.failed", { ...labels, ...h });
                void this.raise(botAlert({ kind: "raised", rule: "mm.hedge_failed", bot: spec.name, severity: "critical", message: `Bot ${spec.name}: hedge ${h.side} ${h.amount} ${spec.market.base} for fill ${h.tradeId} failed: ${h.error}. Open exposure ${h.amount} ${spec.market.base}.`, labels }));
              },
              warn: (m) => this.logger.warn(m),
            },
            undefined,
            spec.strategy === "cross_exchange" && spec.reference ? hedgerFor(call, spec.name, spec.reference, takerLot, (spec.params.hedgeRetries as number | undefined) ?? 3) : null,
            { ledger: ledger.snapshot(), pnl: row?.pnl_state ? JSON.parse(row.pnl_state) : undefined },
          );
          bot.markSeen(replayed.map((f) => f.tradeId));
          const hedgedThrough = unhedgedAfter(spec, row);
          const restored = restoredMakerFills(spec, hedgedThrough === null ? [] : await this.store.fillsAfter(spec.name, hedgedThrough), Date.now(), env.retentionDays);
          if (restored.hedge.length > 0) {
            this.logger.warn(`bot ${spec.name}: hedging ${restored.hedge.length} maker fill(s) no running bot hedged (${restored.hedge.map((f) => f.tradeId).join(", ")})`);
            bot.hedgeRestored(restored.hedge);
          }
          if (restored.report) void this.raise(botAlert({ kind: "raised", rule: "mm.hedge_failed", bot: spec.name, severity: "critical", message: restored.report, labels }));
          runner.fills.seq = seq;
          runner.bot = bot;
          await this.store.saveBot({
            name: spec.name,
            exchange: spec.market.venue,
            symbol: spec.market.symbol,
            strategy: spec.strategy,
            state: "running",
            halt_reason: null,
            node_id: this.broker.nodeID,
            ...ledgerColumns(ledger.snapshot(), row?.unrealized ?? "0", seq),
            pnl_state: row?.pnl_state ?? null,
          });
          // Fills booked while it was loading found no bot here: read them now.
          await runner.fills.catchUp();
          await this.deadMan.acquire(spec.market.venue, spec.name, spec.deadManTimeoutMs);
          await bot.start();
          runner.error = null;
          this.broker.broadcast("mm.bot.started", { bot: spec.name, node: this.broker.nodeID });
          this.logger.info(`bot ${spec.name} (${spec.strategy} on ${spec.market.venue} ${spec.market.symbol}) quoting on ${this.broker.nodeID}`);
        } catch (err) {
          runner.error = (err as Error).message;
          this.logger.warn(`bot ${spec.name} not started: ${runner.error}`);
          if (runner.bot) await runner.bot.stop().catch(() => undefined);
          await this.deadMan.release(spec.market.venue, spec.name, runner.bot?.status().liveOrders.length === 0);
          runner.bot = null;
          // Try again later while we still hold the lease (config or the venue may come up).
          setTimeout(() => {
            if (this.runners.get(spec.name) === runner) runner.chain = runner.chain.then(() => this.startBot(runner));
          }, 5_000).unref();
        }
      },

      async stopBot(runner: Runner, reason: string) {
        const bot = runner.bot;
        if (!bot) return;
        runner.bot = null;
        const halted = bot.state === "halted";
        await bot.stop();
        // Orders it could not cancel keep the switch armed: the exchange cancels them at the timeout.
        await this.deadMan.release(bot.config.exchange, bot.config.name, bot.status().liveOrders.length === 0);
        await this.persistBot(bot, runner.fills.seq).catch(() => undefined);
        const state = reason === "paused" ? "paused" : halted ? "halted" : "stopped";
        await this.store.setBotState(bot.config.name, state, bot.haltReason, null).catch(() => undefined);
        this.broker.broadcast("mm.bot.stopped", { bot: bot.config.name, node: this.broker.nodeID, reason });
      },

      async retire(name: string) {
        const runner = this.runners.get(name);
        if (!runner) return;
        this.runners.delete(name);
        this.reindex();
        runner.chain = runner.chain.then(() => this.stopBot(runner, "retired"));
        await runner.chain;
        await runner.keeper.stop();
      },

      /** A fill booked (here or on another node): the runner of its bot, if here, applies it in sequence order. */
      applyBooked(fill: BookedFill) {
        if (!this.fillBook) return; // not started: no bot runs here
        this.fillBook.seen(fill);
        this.runners.get(fill.bot)?.fills.receive(fill);
      },

      persistBot(bot: Bot, seq: number) {
        return this.snapshots.save(bot, seq);
      },

      /** `mm.pnl.updated` (lib/monitoring/business-metrics.ts MmPnlUpdated): the bot's PnL, drawdown and inventory ratio at its mid. */
      emitMark(bot: Bot, onlyWithMid = false) {
        try {
          const s = bot.status();
          if (onlyWithMid && s.mid === null) return;
          const mark = botMark(bot.ledger, bot.pnl, s.mid, s.inventory);
          void this.broker.emit("mm.pnl.updated", { bot: s.name, exchange: s.exchange, symbol: s.symbol, ...mark, ts: Date.now() });
        } catch (err) {
          // Metrics never get in the way of trading.
          this.logger.warn(`bot ${bot.config.name}: mark not reported: ${(err as Error).message}`);
        }
      },

      async raise(alert) {
        this.broker.broadcast(`alert.${alert.kind}`, alert);
        try {
          await this.broker.sendToChannel(`alert.${alert.kind}`, alert, { messageId: alert.messageId });
        } catch (err) {
          // Never block trading on the bus: the broadcast above still reaches local listeners.
          this.logger.warn(`alert ${alert.alertId} not on the durable bus: ${(err as Error).message}`);
        }
      },

      /** First start of the embedded default: an A-S bot on the paper BTC/USDT market, once (deleting it is respected). */
      async seedDemoBot() {
        if (await this.store.getControl("demo_seeded")) return;
        const existing = (await this.broker.call("config.list", { kind: "strategies" })) as unknown[];
        if (existing.length === 0) {
          await this.broker.call("config.set", { kind: "markets", name: DEMO_MARKET.name, body: DEMO_MARKET.body, comment: "demo (DEMO_BOT)" });
          await this.broker.call("config.set", { kind: "strategies", name: DEMO_STRATEGY.name, body: DEMO_STRATEGY.body, comment: "demo (DEMO_BOT)" });
          this.logger.info(`demo bot ${DEMO_STRATEGY.name} (Avellaneda-Stoikov on paper ${DEMO_MARKET.body.symbol}) configured; DEMO_BOT=off skips it`);
        }
        await this.store.setControl("demo_seeded", { at: new Date().toISOString() });
      },

      reindex() {
        const byMarket = new Map<string, Runner[]>();
        const byReference = new Map<string, Runner[]>();
        const add = (map: Map<string, Runner[]>, key: string, r: Runner) => {
          const list = map.get(key);
          if (list) list.push(r);
          else map.set(key, [r]);
        };
        for (const r of this.runners.values()) {
          const { market, reference } = r.spec;
          add(byMarket, `${market.venue}|${market.symbol}`, r);
          // As before: a runner quoting a market does not also take it as its reference.
          if (reference?.kind === "cex" && !(reference.venue === market.venue && reference.symbol === market.symbol)) add(byReference, `${reference.venue}|${reference.symbol}`, r);
        }
        this.byMarket = byMarket;
        this.byReference = byReference;
      },

      localStatuses() {
        return [...this.runners.values()].filter((r) => r.bot).map((r) => (r.bot as Bot).status());
      },

      async killAll(reason: string) {
        this.killed = { reason, at: new Date().toISOString() };
        const running = [...this.runners.values()].filter((r) => r.bot);
        // Stopped, not halted: releasing the global switch brings them all back.
        await Promise.all(running.map((r) => (r.chain = r.chain.then(() => this.stopBot(r, "kill switch")))));
        await Promise.all([...this.runners.keys()].map((name) => this.retire(name)));
        return running.length;
      },
    },

    created() {
      this.runners = new Map();
      this.byMarket = new Map();
      this.byReference = new Map();
      this.specErrors = [];
      this.killed = null;
      this.deadMan = new DeadManSwitches({
        // A refresh stuck in an outage must not hold up the next one (they run in order): bounded by its period, no retries.
        arm: (exchange, timeoutMs) => this.broker.call("cex.cancelAllAfter", { exchange, timeoutMs }, timeoutMs > 0 ? { timeout: Math.max(500, Math.floor(timeoutMs / 4)), retries: 0 } : {}),
        warn: (m) => this.logger.warn(m),
      });
      this.syncing = Promise.resolve();
      this.syncFailures = 0;
      this.syncRetry = null;
      this.resyncTimer = null;
      this.persistTimer = null;
      this.markTimer = null;
      this.stopping = false;
    },

    async started() {
      const store = new MarketMakerStore((this as unknown as { adapter: { model: never } }).adapter.model, sequelizeOf(this));
      this.store = store;
      this.snapshots = new BotSnapshots({ store, nodeId: this.broker.nodeID, historyIntervalMs: this.settings.pnlHistoryIntervalMs });
      this.attribution = new FillAttribution({ listBotNames: async () => (await store.listBots()).map((r) => r.name) });
      this.fillBook = new FillBook({
        store,
        attribution: this.attribution,
        announce: (fill) => this.broker.broadcast("mm.fill.booked", fill, { groups: ["mm"] }),
        quotedHere: (bot) => !!this.runners.get(bot)?.bot,
      });
      this.leases = createLeaseStore(env, `${env.namespace}:mm`);
      this.persistTimer = setInterval(() => {
        for (const [name, runner] of this.runners) {
          if (runner.bot) void this.persistBot(runner.bot, runner.fills.seq).catch((err: Error) => this.logger.warn(`bot ${name} not saved: ${err.message}`));
        }
      }, this.settings.persistIntervalMs);
      this.persistTimer.unref();
      this.markTimer = setInterval(() => {
        // Without a price there is nothing to mark at (the fill path still reports the realized part).
        for (const runner of this.runners.values()) if (runner.bot) this.emitMark(runner.bot, true);
      }, this.settings.markIntervalMs);
      this.markTimer.unref();
      // Bots need config (maybe on another node, maybe not up yet): keep trying in the background.
      const firstSync = async () => {
        while (!this.stopping) {
          try {
            await this.broker.waitForServices(["config", "cex"], this.settings.configRetryMs * 10);
            if (env.demoBot) await this.seedDemoBot();
            await this.sync();
            if (this.stopping) return;
            this.resyncTimer = setInterval(() => void this.sync(), this.settings.configResyncMs);
            this.resyncTimer.unref();
            return;
          } catch (err) {
            this.logger.info(`waiting for config and cex: ${(err as Error).message}`);
          }
        }
      };
      void firstSync();
    },

    async stopped() {
      this.stopping = true;
      if (this.syncRetry) clearTimeout(this.syncRetry);
      if (this.resyncTimer) clearInterval(this.resyncTimer);
      if (this.persistTimer) clearInterval(this.persistTimer);
      if (this.markTimer) clearInterval(this.markTimer);
      await this.syncing;
      await Promise.all([...this.runners.keys()].map((name) => this.retire(name)));
      this.deadMan.close();
      await this.leases?.close();
    },
  };
  return schema as unknown as ServiceSchema;
}
