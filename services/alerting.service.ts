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
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import {
  AlertEngine,
  RuleError,
  ruleFromDocument,
  type AlertNotice,
  type AlertRule,
  type MetricSample,
  type Severity,
} from "../lib/alerting";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface AlertingSettings {
  /** How often metric rules are evaluated and quiet event alerts resolved, ms. */
  evaluateIntervalMs: number;
  /** Wait between attempts to load the rules while the config service is not reachable, ms. */
  configRetryMs: number;
  /** Notices kept while the durable bus cannot take them; beyond this the oldest are dropped (logged). */
  outboxLimit: number;
}

export const DEFAULT_ALERTING_SETTINGS: AlertingSettings = {
  evaluateIntervalMs: 5_000,
  configRetryMs: 2_000,
  outboxLimit: 10_000,
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
  eventNames: Set<string>;
  outbox: AlertNotice[];
  flushing: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  stopping: boolean;
  loaded: Promise<void> | null;
  rulesLoaded: boolean;
}

interface AlertingMethods {
  loadRules(): Promise<void>;
  applyRules(notices: AlertNotice[]): void;
  publish(notices: AlertNotice[]): void;
  flush(): Promise<void>;
  evaluate(): void;
  metricSamples(): MetricSample[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * At least twice per probe interval: a server seen down by one probe and up again by the next
 * must be evaluated in between, or a short outage raises nothing.
 */
export function evaluateIntervalFor(probeIntervalMs: number): number {
  return Math.max(250, Math.min(DEFAULT_ALERTING_SETTINGS.evaluateIntervalMs, Math.floor(probeIntervalMs / 2)));
}

export default function createAlertingService(env: RuntimeEnv, overrides: Partial<AlertingSettings> = {}): ServiceSchema {
  const settings: AlertingSettings = { ...DEFAULT_ALERTING_SETTINGS, evaluateIntervalMs: evaluateIntervalFor(env.probeIntervalMs), ...overrides };

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
          this.publish([notice]);
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

      publish(notices) {
        if (notices.length === 0) return;
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
      },
    },

    created() {
      this.engine = new AlertEngine();
      this.eventNames = new Set();
      this.outbox = [];
      this.flushing = null;
      this.timer = null;
      this.stopping = false;
      this.loaded = null;
      this.rulesLoaded = false;
    },

    started() {
      this.stopping = false;
      if (this.broker.metrics && !this.broker.isMetricsEnabled()) this.logger.warn("Metrics are disabled on this node: metric alert rules cannot be evaluated");
      this.loaded = this.loadRules();
      this.timer = setInterval(() => this.evaluate(), this.settings.evaluateIntervalMs);
    },

    async stopped() {
      this.stopping = true;
      if (this.timer) clearInterval(this.timer);
      this.timer = null;
      await this.loaded;
      await this.flushing;
    },
  };
  return schema as unknown as ServiceSchema;
}
