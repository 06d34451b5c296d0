/**
 * Alert rules over metrics and events (the `alerts` config documents), evaluated by
 * the pure rule engine in lib/alerting (states, for-duration, dedupe, cool-down,
 * resolve). Each transition is published onto the durable bus as `alert.raised` /
 * `alert.resolved` (messageId = the transition's id, so a re-send is deduplicated)
 * for the notification service, and broadcast as a Moleculer event of the same name
 * for local listeners.
 *
 * - Rules: loaded with `config.list {kind: "alerts"}` on start (retried until the
 *   config service answers) and kept current from `config.changed`.
 * - Event rules: one wildcard listener ("**") runs every event whose name a rule
 *   raises or resolves on (its subject, or the paired resolving event, see
 *   lib/alerting/selector.ts); Moleculer's `$node.disconnected` / `$node.connected`
 *   arrive the same way. `alert.*` events are never evaluated.
 * - Metric rules: every `evaluateIntervalMs` the current values of this node's metric
 *   registry (`broker.metrics`, gauges and counters) named by the rules' subjects
 *   (`name` or `name{label="value"}`) are evaluated. Metrics must be enabled. A rule may
 *   spell the name as /metrics shows it or as registered; the engine resolves it once
 *   (a rule naming no registered metric is logged once and listed by `alerting.rules`).
 * - Publishing never throws into the caller: a notice the bus cannot take (RabbitMQ
 *   down, notification group not declared yet) waits in a bounded outbox, retried in
 *   order on every evaluation tick.
 * - Replicas: with a transporter, every replica evaluates (a warm standby keeps the same
 *   alert states) but only the holder of the `evaluator` lease (lib/lease: PostgreSQL,
 *   else Redis) publishes, so each transition is raised once; another replica takes over
 *   when the lease lapses.
 * - History: every `alert.raised` / `alert.resolved` this node hears (its own rules' and
 *   other services', such as the market maker's kill switch) is written to the `alert_history`
 *   table of the service's database (lib/alerting/history.ts; SQLite embedded, PostgreSQL in a
 *   cluster), one row per messageId, so replicas share one history and a restart keeps it.
 *   Writes go through a backlog (lib/alerting/history-writer.ts): a database that is down
 *   delays the history, never alerting or its notifications. Every `historyPruneIntervalMs` the
 *   table is cut to `historyLimit` rows and `historyRetentionDays`. `alerting.history`
 *   (GET /api/v1/alerting/history) lists it newest first.
 *   The database is opened (and migrated) in the background rather than through the db mixin,
 *   whose start waits for the database: alerting must start, and raise `server-down`, while
 *   PostgreSQL is down.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import type { Sequelize } from "sequelize";
import {
  AlertEngine,
  AlertHistoryStore,
  historyEntryOf,
  HistoryWriter,
  RuleError,
  ruleFromDocument,
  type AlertNotice,
  type AlertRule,
  type MetricSample,
  type Severity,
} from "../lib/alerting";
import { acquireSequelize, releaseSequelize } from "../lib/db/connection";
import { migrateUp } from "../lib/db/migrations";
import { alertingMigrations } from "../lib/db/schemas/alerting";
import { unavailable } from "../lib/errors";
import { createLeaseStore, LeaseKeeper, type LeaseStore } from "../lib/lease";
import type { RuntimeEnv } from "../lib/runtime/env";
import { jsonAnswer } from "../lib/runtime/json-stream";

export interface AlertingSettings {
  /** How often metric rules are evaluated and quiet event alerts resolved, ms. */
  evaluateIntervalMs: number;
  /** Wait between attempts to load the rules while the config service is not reachable, ms. */
  configRetryMs: number;
  /** Notices kept while the durable bus cannot take them; beyond this the oldest are dropped (logged). */
  outboxLimit: number;
  /** Time-to-live of the evaluator lease between replicas, ms (renewed every third of it). */
  leaseTtlMs: number;
  /** Alert transitions kept in the history table (the newest; the oldest go at the next prune). */
  historyLimit: number;
  /** Days an alert transition is kept in the history table. */
  historyRetentionDays: number;
  /** How often the history table is pruned to `historyLimit` and `historyRetentionDays`, ms (and once at start). */
  historyPruneIntervalMs: number;
  /** History entries kept while the database cannot take them; beyond this the oldest are dropped (logged). */
  historyBacklogLimit: number;
}

export const DEFAULT_ALERTING_SETTINGS: AlertingSettings = {
  evaluateIntervalMs: 5_000,
  configRetryMs: 2_000,
  outboxLimit: 10_000,
  leaseTtlMs: 10_000,
  historyLimit: 10_000,
  historyRetentionDays: 90,
  historyPruneIntervalMs: 10 * 60_000,
  historyBacklogLimit: 1_000,
};

interface ConfigDoc {
  kind: string;
  name: string;
  body: Record<string, unknown> | null;
  deleted?: boolean;
}

interface MetricItem {
  value: unknown;
  labels: Record<string, unknown>;
}

interface AlertingVars {
  engine: AlertEngine;
  sequelize: Sequelize | null;
  history: HistoryWriter | null;
  pruneTimer: NodeJS.Timeout | null;
  pruning: Promise<void> | null;
  eventNames: Set<string>;
  outbox: AlertNotice[];
  flushing: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  stopping: boolean;
  loaded: Promise<void> | null;
  rulesLoaded: boolean;
  leases: LeaseStore | null;
  /** null without a transporter: the one alerting service publishes. */
  keeper: LeaseKeeper | null;
}

interface AlertingMethods {
  loadRules(): Promise<void>;
  applyRules(notices: AlertNotice[]): void;
  /** Publishes when this replica holds the evaluator lease (or `always`, for alerting.test). */
  publish(notices: AlertNotice[], always?: boolean): void;
  flush(): Promise<void>;
  evaluate(): void;
  metricSamples(): MetricSample[];
  recordHistory(notice: AlertNotice): void;
  pruneHistory(): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a stop waits for the history's last writes and a running prune (a database that does not answer must not hold up the stop). */
const HISTORY_STOP_WAIT_MS = 5_000;

/** Waits for `work`, at most `ms`. */
async function atMost(work: Promise<unknown> | null, ms: number): Promise<void> {
  if (!work) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * At least twice per probe interval: a server seen down by one probe and up again by the next
 * must be evaluated in between, or a short outage raises nothing.
 */
export function evaluateIntervalFor(probeIntervalMs: number): number {
  return Math.max(250, Math.min(DEFAULT_ALERTING_SETTINGS.evaluateIntervalMs, Math.floor(probeIntervalMs / 2)));
}

export default function createAlertingService(env: RuntimeEnv, overrides: Partial<AlertingSettings> = {}): ServiceSchema {
  const settings: AlertingSettings = {
    ...DEFAULT_ALERTING_SETTINGS,
    evaluateIntervalMs: evaluateIntervalFor(env.probeIntervalMs),
    historyLimit: env.alertHistory.limit,
    historyRetentionDays: env.alertHistory.retentionDays,
    ...overrides,
  };
  for (const key of ["historyLimit", "historyRetentionDays", "historyPruneIntervalMs", "historyBacklogLimit"] as const) {
    if (!Number.isInteger(settings[key]) || settings[key] < 1) throw new RangeError(`alerting setting ${key} must be a positive integer`);
  }

  const schema: ServiceSchema<ServiceSettingSchema & AlertingSettings, AlertingMethods, AlertingVars> = {
    name: "alerting",
    settings,

    actions: {
      active: {
        rest: "GET /active",
        role: "viewer",
        summary: "Alerts firing now (and, with includePending, those waiting out their for-duration), most severe first",
        params: { includePending: { type: "boolean", default: false, convert: true } },
        handler(ctx: Context<{ includePending: boolean }>) {
          return this.engine.active().filter((a) => ctx.params.includePending || a.status === "firing");
        },
      },

      rules: {
        rest: "GET /rules",
        role: "viewer",
        summary: "The enabled alert rules this node evaluates, and the registered metric each metric rule reads (null: no such metric yet)",
        handler() {
          return { loaded: this.rulesLoaded, rules: this.engine.ruleList(), metrics: this.engine.metricStatus() };
        },
      },

      history: {
        rest: "GET /history",
        role: "viewer",
        summary:
          "Alert transitions (raised and resolved) the alerting replicas heard, newest first, from the shared history table (at most historyLimit, historyRetentionDays); page older entries with before=<messageId of the last entry>",
        params: {
          limit: { type: "number", integer: true, positive: true, max: 1000, default: 200, convert: true },
          severity: { type: "enum", values: ["info", "warning", "critical"], optional: true },
          alertId: { type: "string", min: 1, max: 1000, optional: true },
          before: { type: "string", min: 1, max: 1000, optional: true },
        },
        async handler(ctx: Context<{ limit: number; severity?: Severity; alertId?: string; before?: string }>) {
          const writer = this.history;
          if (!writer) throw unavailable("The alerting service is not started");
          await writer.drain(); // what this node heard so far is listed
          try {
            const store = await writer.ready();
            // Free-text messages and labels, up to a thousand: possibly past one transporter message.
            return jsonAnswer(ctx, await store.list({ limit: ctx.params.limit, severity: ctx.params.severity, alertId: ctx.params.alertId, before: ctx.params.before }));
          } catch (err) {
            this.logger.warn(`Alert history not readable: ${(err as Error).message}`);
            throw unavailable("The alert history database is not reachable; try again later");
          }
        },
      },

      test: {
        rest: "POST /test",
        role: "admin",
        summary: "Raise a test alert through the durable bus to the notification channels",
        params: {
          severity: { type: "enum", values: ["info", "warning", "critical"], default: "warning" },
          message: { type: "string", min: 1, max: 500, default: "Test alert from mmesh" },
        },
        async handler(ctx: Context<{ severity: Severity; message: string }>) {
          const now = new Date().toISOString();
          const id = `test:${Date.now().toString(36)}:${Math.random().toString(36).slice(2, 8)}`;
          const notice: AlertNotice = {
            kind: "raised",
            alertId: id,
            messageId: `${id}:raised`,
            rule: "alerting.test",
            source: "event",
            subject: "alerting.test",
            severity: ctx.params.severity,
            message: ctx.params.message,
            labels: {},
            value: null,
            threshold: null,
            since: now,
            raisedAt: now,
            resolvedAt: null,
            occurrences: 1,
          };
          this.publish([notice], true);
          await this.flush();
          return { published: !this.outbox.includes(notice), alert: notice };
        },
      },
    },

    events: {
      "config.changed": {
        handler(ctx: Context<ConfigDoc>) {
          const doc = ctx.params;
          if (doc.kind !== "alerts") return;
          const now = Date.now();
          try {
            const notices = doc.deleted || doc.body === null ? this.engine.removeRule(doc.name, now) : this.engine.upsertRule(ruleFromDocument(doc.name, doc.body), now);
            this.applyRules(notices);
            this.logger.info(`Alert rule ${doc.name} ${doc.deleted ? "removed" : "loaded"}`);
          } catch (err) {
            if (!(err instanceof RuleError)) throw err;
            this.logger.warn(`${err.message}; rule not loaded`);
            this.applyRules(this.engine.removeRule(doc.name, now));
          }
        },
      },

      "alert.raised"(ctx: Context<AlertNotice>) {
        this.recordHistory(ctx.params);
      },

      "alert.resolved"(ctx: Context<AlertNotice>) {
        this.recordHistory(ctx.params);
      },

      "**": {
        handler(ctx: Context<unknown>) {
          const name = ctx.eventName as string;
          if (!this.eventNames.has(name) || name.startsWith("alert.")) return;
          this.publish(this.engine.onEvent({ name, payload: ctx.params, time: Date.now() }));
        },
      },
    },

    methods: {
      async loadRules() {
        while (!this.stopping) {
          try {
            const docs = await this.broker.call<ConfigDoc[], { kind: string }>("config.list", { kind: "alerts" });
            const rules: AlertRule[] = [];
            for (const doc of docs) {
              if (!doc.body) continue;
              try {
                rules.push(ruleFromDocument(doc.name, doc.body));
              } catch (err) {
                if (!(err instanceof RuleError)) throw err;
                this.logger.warn(`${err.message}; rule not loaded`);
              }
            }
            this.applyRules(this.engine.setRules(rules, Date.now()));
            this.rulesLoaded = true;
            this.logger.info(`Loaded ${this.engine.ruleList().length} alert rule(s)`);
            return;
          } catch (err) {
            this.logger.warn(`Cannot load alert rules from the config service, retrying in ${this.settings.configRetryMs} ms: ${(err as Error).message}`);
            await sleep(this.settings.configRetryMs);
          }
        }
      },

      applyRules(notices) {
        this.eventNames = this.engine.eventNames();
        this.publish(notices);
      },

      publish(notices, always = false) {
        if (notices.length === 0) return;
        if (!always && this.keeper && !this.keeper.held()) return; // the evaluator replica publishes these
        for (const notice of notices) {
          const channel = `alert.${notice.kind}`;
          if (notice.kind === "raised") this.logger.warn(`Alert raised [${notice.severity}] ${notice.alertId}: ${notice.message}`);
          else this.logger.info(`Alert resolved ${notice.alertId} (${notice.reason ?? "cleared"})`);
          void this.broker.broadcast(channel, notice);
          this.outbox.push(notice);
        }
        const excess = this.outbox.length - this.settings.outboxLimit;
        if (excess > 0) {
          const dropped = this.outbox.splice(0, excess);
          this.logger.error(`Alert outbox full: dropped ${dropped.length} notice(s), oldest ${dropped[0].messageId}`);
        }
        void this.flush();
      },

      flush() {
        // One flusher at a time keeps the order raised → resolved.
        if (this.flushing) return this.flushing;
        this.flushing = (async () => {
          try {
            while (this.outbox.length > 0) {
              const notice = this.outbox[0];
              try {
                await this.broker.sendToChannel(`alert.${notice.kind}`, notice, { messageId: notice.messageId });
                this.outbox.shift();
              } catch (err) {
                this.logger.warn(`Durable bus did not take ${notice.messageId} (${this.outbox.length} waiting, retried on the next tick): ${(err as Error).message}`);
                return;
              }
            }
          } finally {
            this.flushing = null;
          }
        })();
        return this.flushing;
      },

      metricSamples() {
        const samples: MetricSample[] = [];
        const registry = this.broker.metrics as unknown as { store?: Map<string, { values: Map<string, MetricItem> }> } | undefined;
        const store = registry?.store;
        if (!store) return samples;
        // Each rule's metric name (mmesh_server_up or mmesh.server.up) is resolved once by the engine.
        const { read, missing } = this.engine.resolveMetrics(() => store.keys());
        for (const rule of missing) this.logger.warn(`Alert rule ${rule.name}: no metric "${rule.subject}" is registered on this node (yet); evaluated once it appears`);
        for (const name of read) {
          const metric = store.get(name);
          if (!metric) continue;
          for (const item of metric.values.values()) {
            if (typeof item.value !== "number") continue; // histograms and info metrics are not evaluated
            const labels: Record<string, string> = {};
            for (const [k, v] of Object.entries(item.labels ?? {})) if (v !== undefined && v !== null) labels[k] = String(v);
            samples.push({ name, labels, value: item.value });
          }
        }
        return samples;
      },

      evaluate() {
        const now = Date.now();
        this.publish([...this.engine.evaluateMetrics(this.metricSamples(), now), ...this.engine.tick(now)]);
        if (this.outbox.length > 0) void this.flush();
        if (this.history && this.history.pending > 0) void this.history.drain();
      },

      recordHistory(notice) {
        const entry = historyEntryOf(notice);
        if (entry) this.history?.add(entry);
      },

      pruneHistory() {
        // One prune at a time on this node; replicas pruning at once is the store's concern.
        if (this.pruning || !this.history) return this.pruning ?? Promise.resolve();
        const writer = this.history;
        this.pruning = (async () => {
          try {
            const store = await writer.ready();
            const { deleted } = await store.prune({ keep: this.settings.historyLimit, maxAgeDays: this.settings.historyRetentionDays });
            if (deleted > 0) this.logger.info(`Alert history pruned: ${deleted} row(s) past ${this.settings.historyLimit} rows or ${this.settings.historyRetentionDays} days`);
          } catch (err) {
            this.logger.warn(`Alert history not pruned (retried in ${this.settings.historyPruneIntervalMs} ms): ${(err as Error).message}`);
          } finally {
            this.pruning = null;
          }
        })();
        return this.pruning;
      },
    },

    created() {
      this.engine = new AlertEngine();
      this.sequelize = null;
      this.history = null;
      this.pruneTimer = null;
      this.pruning = null;
      this.eventNames = new Set();
      this.outbox = [];
      this.flushing = null;
      this.timer = null;
      this.stopping = false;
      this.loaded = null;
      this.rulesLoaded = false;
      this.leases = null;
      this.keeper = null;
    },

    async started() {
      this.stopping = false;
      const sequelize = acquireSequelize(env.database);
      this.sequelize = sequelize;
      this.history = new HistoryWriter({
        open: async () => {
          await migrateUp(sequelize, "alerting", alertingMigrations);
          return new AlertHistoryStore(sequelize);
        },
        backlogLimit: this.settings.historyBacklogLimit,
        warn: (message) => this.logger.warn(message),
        info: (message) => this.logger.info(message),
      });
      // In the background: a database that is down must not hold up the start.
      void this.pruneHistory();
      this.pruneTimer = setInterval(() => void this.pruneHistory(), this.settings.historyPruneIntervalMs);
      if (env.transporter !== null) {
        this.leases = createLeaseStore(env, `${env.namespace}:alerting`);
        this.keeper = new LeaseKeeper({
          store: this.leases,
          key: "evaluator",
          owner: this.broker.nodeID,
          ttlMs: this.settings.leaseTtlMs,
          onAcquired: () => this.logger.info("This replica evaluates the alert rules (evaluator lease held)"),
          onLost: (reason) => this.logger.warn(`Evaluator lease lost (${reason}): another replica publishes alerts`),
          onError: (err) => this.logger.warn(`Evaluator lease: ${err.message}`),
        });
        await this.keeper.start();
      }
      if (this.broker.metrics && !this.broker.isMetricsEnabled()) this.logger.warn("Metrics are disabled on this node: metric alert rules cannot be evaluated");
      this.loaded = this.loadRules();
      this.timer = setInterval(() => this.evaluate(), this.settings.evaluateIntervalMs);
    },

    async stopped() {
      this.stopping = true;
      if (this.timer) clearInterval(this.timer);
      if (this.pruneTimer) clearInterval(this.pruneTimer);
      this.timer = null;
      this.pruneTimer = null;
      await this.loaded;
      await this.flushing;
      await this.keeper?.stop({ release: true });
      await this.leases?.close();
      this.keeper = null;
      this.leases = null;
      await atMost(this.pruning, HISTORY_STOP_WAIT_MS);
      if (this.history) {
        await atMost(this.history.drain(), HISTORY_STOP_WAIT_MS);
        if (this.history.pending > 0) this.logger.warn(`Alert history: ${this.history.pending} entr${this.history.pending === 1 ? "y" : "ies"} not written before the stop`);
      }
      this.history = null;
      if (this.sequelize) await releaseSequelize(this.sequelize);
      this.sequelize = null;
    },
  };
  return schema as unknown as ServiceSchema;
}
