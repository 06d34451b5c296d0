/**
 * Health of the mesh and business metrics for Prometheus.
 *
 * - `monitoring.status` (GET /api/v1/monitoring/status, viewer): every node known to
 *   the broker (`$node.list` withServices) with its CPU, memory, services and open
 *   circuit breakers (`$node.health` called on each node; breakers from the local
 *   registry's endpoint states and the `$circuit-breaker.*` events other nodes
 *   broadcast), and probes of the servers the environment configures (PostgreSQL,
 *   Redis, NATS, RabbitMQ, chain RPC; lib/monitoring/probes.ts) plus each exchange the
 *   cex service trades (`cex.exchanges` + `cex.markets`). Errors are masked.
 * - Business metrics (lib/monitoring/business-metrics.ts lists them and the event
 *   contracts) are registered on this node's metric registry and kept current from
 *   events, so they appear on this node's /metrics beside Moleculer's own when
 *   METRICS_PORT is set. Table sizes and row counts reported by db-maintenance
 *   (`db.stats.reported`) are mirrored as mmesh_db_table_rows / mmesh_db_table_bytes.
 *   On the feed-age timer, mmesh_notification_backlog is set from `notification.status`'s
 *   `backlog.total` (messages waiting in the durable bus for the notification group)
 *   when the notification service is in the mesh. On the probe timer (PROBE_INTERVAL_MS),
 *   mmesh_balance{exchange,asset} is set from `cex.balance` of every exchange `cex.exchanges`
 *   lists, when the cex service is in the mesh (an exchange without keys is skipped).
 *
 * Several monitoring nodes split balanced events between them (one Moleculer group),
 * so run one monitoring node per mesh, or sum the series in Prometheus.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import {
  BreakerBook,
  BUSINESS_METRICS,
  BusinessMetrics,
  DB_METRICS,
  DEFAULT_PROBE_TIMEOUT_MS,
  maskMessage,
  METRIC,
  nodeStatus,
  openLocalBreakers,
  probeTarget,
  registerMetrics,
  runProbe,
  serverTargets,
  type MetricSink,
  type NodeHealthStatus,
  type NodeStatus,
  type ProbeResult,
  type RegistryNode,
  type ServerTarget,
} from "../lib/monitoring";
import type { RuntimeEnv } from "../lib/runtime/env";
import { EmfReporter } from "../lib/monitoring/cloudwatch-emf";

export interface MonitoringSettings {
  /** Deadline of each server probe and each exchange check, ms. */
  probeTimeoutMs: number;
  /** Deadline of each node's `$node.health` answer, ms. */
  nodeHealthTimeoutMs: number;
  /** How often feed ages are refreshed, ms. */
  feedAgeIntervalMs: number;
  /** How often business metrics are written as CloudWatch EMF lines (CLOUDWATCH_EMF=on), ms. */
  emfIntervalMs: number;
  /** How often the servers are probed for mmesh_server_up (0: only on status calls), ms. */
  probeIntervalMs: number;
  /** Servers to probe; null: those the environment configures. */
  servers: ServerTarget[] | null;
  /** Check each exchange through the cex service when it is in the mesh. */
  probeExchanges: boolean;
  /** Poll each exchange's balances through the cex service on the probe timer (mmesh_balance). */
  pollBalances: boolean;
}

export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = {
  probeTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS,
  nodeHealthTimeoutMs: 3_000,
  feedAgeIntervalMs: 5_000,
  emfIntervalMs: 60_000,
  probeIntervalMs: 10_000,
  servers: null,
  probeExchanges: true,
  pollBalances: true,
};

export interface MonitoringStatus {
  ok: boolean;
  checkedAt: string;
  nodes: NodeStatus[];
  servers: ProbeResult[];
  feeds: Array<{ exchange: string; symbol: string; ageMs: number }>;
}

interface MonitoringVars {
  /** CloudWatch EMF lines (CLOUDWATCH_EMF=on), null when off. */
  emf: EmfReporter | null;
  metricsOn: boolean;
  business: BusinessMetrics;
  breakers: BreakerBook;
  timers: NodeJS.Timeout[];
}

interface MonitoringMethods {
  probeServers(ctx: Context | null): Promise<ProbeResult[]>;
  probeExchanges(ctx: Context | null, listed?: Promise<string[]>): Promise<ProbeResult[]>;
  meshNodes(ctx: Context): Promise<NodeStatus[]>;
  track(fn: () => void, event: string): void;
  refreshNotificationBacklog(): Promise<void>;
  refreshBalances(listed: Promise<string[]>): Promise<void>;
  hasService(name: string): boolean;
}

/** A sink that drops everything (metrics disabled on this broker). */
const NULL_SINK: MetricSink = { register: () => null, hasMetric: () => true, set: () => null, increment: () => null, observe: () => null };

export default function createMonitoringService(env: RuntimeEnv, overrides: Partial<MonitoringSettings> = {}): ServiceSchema {
  const settings: MonitoringSettings = { ...DEFAULT_MONITORING_SETTINGS, probeIntervalMs: env.probeIntervalMs, ...overrides };
  const targets = settings.servers ?? serverTargets(env);

  const schema: ServiceSchema<ServiceSettingSchema & MonitoringSettings, MonitoringMethods, MonitoringVars> = {
    name: "monitoring",
    settings: { ...settings, servers: null },

    actions: {
      status: {
        rest: "GET /status",
        role: "viewer",
        cache: false,
        summary: "Health of every node and service in the mesh and of the servers and exchanges it depends on",
        params: {},
        async handler(ctx: Context): Promise<MonitoringStatus> {
          const [nodes, servers, exchanges] = await Promise.all([this.meshNodes(ctx), this.probeServers(ctx), this.probeExchanges(ctx)]);
          this.business.refreshFeedAges();
          const all = [...servers, ...exchanges];
          return {
            ok: nodes.every((node) => node.available && node.error === null) && all.every((s) => s.ok),
            checkedAt: new Date().toISOString(),
            nodes,
            servers: all,
            feeds: this.business.feedAges(),
          };
        },
      },
    },

    events: {
      "alert.raised"(ctx: Context<Record<string, unknown>>) {
        this.emf?.onAlert(ctx.params);
      },
      "alert.resolved"(ctx: Context<Record<string, unknown>>) {
        this.emf?.onAlert(ctx.params);
      },
      "order.filled"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onFill(ctx.params), "order.filled");
      },
      "order.updated"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onOrderUpdated(ctx.params), "order.updated");
      },
      "price.cex.updated"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onPrice(ctx.params), "price.cex.updated");
      },
      "mm.pnl.updated"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onPnl(ctx.params), "mm.pnl.updated");
      },
      "mm.inventory.updated"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onInventory(ctx.params), "mm.inventory.updated");
      },
      "mm.quote.placed"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onQuote(ctx.params), "mm.quote.placed");
      },
      "arbitrage.opportunity"(ctx: Context<Record<string, unknown>>) {
        this.track(() => this.business.onArbitrage(ctx.params), "arbitrage.opportunity");
      },
      "db.stats.reported"(ctx: Context<{ tables?: Array<{ table: string; rows: number | null; bytes: number | null }> }>) {
        if (!this.metricsOn || !Array.isArray(ctx.params?.tables)) return;
        for (const t of ctx.params.tables) {
          if (typeof t.rows === "number") this.broker.metrics.set(METRIC.DB_TABLE_ROWS, t.rows, { table: t.table });
          if (typeof t.bytes === "number") this.broker.metrics.set(METRIC.DB_TABLE_BYTES, t.bytes, { table: t.table });
        }
      },
      "$circuit-breaker.opened"(ctx: Context<{ nodeID?: string; action?: string }>) {
        this.breakers.record("opened", ctx.params, ctx.nodeID ?? this.broker.nodeID);
      },
      "$circuit-breaker.half-opened"(ctx: Context<{ nodeID?: string; action?: string }>) {
        this.breakers.record("half-opened", ctx.params, ctx.nodeID ?? this.broker.nodeID);
      },
      "$circuit-breaker.closed"(ctx: Context<{ nodeID?: string; action?: string }>) {
        this.breakers.record("closed", ctx.params, ctx.nodeID ?? this.broker.nodeID);
      },
      "$node.disconnected"(ctx: Context<{ node?: { id?: string } }>) {
        const id = ctx.params?.node?.id;
        if (id) this.breakers.forgetNode(id);
      },
    },

    methods: {
      hasService(name: string): boolean {
        return this.broker.registry.getServiceList({ onlyAvailable: true, skipInternal: true }).some((s: { name: string }) => s.name === name);
      },

      /** mmesh_balance from `cex.balance` of each exchange in `listed` (cex.exchanges); an exchange that fails (no keys, down) keeps its last values. */
      async refreshBalances(listed: Promise<string[]>): Promise<void> {
        if (!this.metricsOn || !this.settings.pollBalances) return;
        const opts = { timeout: this.settings.probeTimeoutMs, retries: 0 };
        let exchanges: string[];
        try {
          exchanges = await listed;
        } catch {
          return;
        }
        await Promise.all(
          exchanges.map(async (exchange) => {
            try {
              const answer = await this.broker.call("cex.balance", { exchange }, opts);
              this.track(() => this.business.onBalances(exchange, answer), "cex.balance");
            } catch {
              // no keys for it, or not reachable right now
            }
          }),
        );
      },

      /** mmesh_notification_backlog from `notification.status` (its durable-bus backlog), when that service runs; errors ignored. */
      async refreshNotificationBacklog(): Promise<void> {
        if (!this.metricsOn) return;
        if (!this.hasService("notification")) return;
        try {
          const status = (await this.broker.call("notification.status", {}, { timeout: this.settings.probeTimeoutMs, retries: 0 })) as { backlog?: { total?: unknown } | null };
          const total = status?.backlog?.total;
          if (typeof total === "number" && Number.isFinite(total)) this.business.setNotificationBacklog(total);
        } catch {
          // not reachable right now: keep the last value
        }
      },

      track(fn: () => void, event: string) {
        try {
          fn();
        } catch (err) {
          this.logger.warn(`monitoring: ${event} not counted: ${(err as Error).message}`);
        }
      },

      async probeServers(): Promise<ProbeResult[]> {
        const results = await Promise.all(targets.map((t) => probeTarget(t, this.settings.probeTimeoutMs)));
        for (const r of results) this.business.setServerUp(r.name, r.ok);
        return results;
      },

      /** `listed`: the timer's one cex.exchanges answer, shared with refreshBalances; else asked here. */
      async probeExchanges(ctx: Context | null, listed?: Promise<string[]>): Promise<ProbeResult[]> {
        const caller = ctx ?? this.broker;
        if (!this.settings.probeExchanges || !this.hasService("cex")) return [];
        const timeout = this.settings.probeTimeoutMs;
        let exchanges: string[];
        try {
          exchanges = await (listed ?? (caller.call("cex.exchanges", {}, { timeout, retries: 0 }) as Promise<string[]>));
        } catch (err) {
          return [{ name: "cex", ok: false, latencyMs: 0, error: maskMessage((err as Error).message) }];
        }
        const results = await Promise.all(
          exchanges.map((exchange) =>
            runProbe(`exchange:${exchange}`, timeout, async () => {
              const pong = (await caller.call("cex.ping", { exchange }, { timeout, retries: 0 })) as { serverTime: number | null };
              return { serverTime: pong.serverTime };
            }),
          ),
        );
        // User data streams of live venues (cex.userStreams): `userstream:<exchange>`, down while the stream is (the server-down rule sees it).
        const streams = (await caller.call("cex.userStreams", {}, { timeout, retries: 0 }).catch(() => [])) as Array<{ exchange: string; up: boolean }>;
        for (const s of streams) results.push({ name: `userstream:${s.exchange}`, ok: s.up, latencyMs: 0, error: s.up ? null : "user data stream down (fills come from the REST catch-up meanwhile)" });
        for (const r of results) this.business.setServerUp(r.name, r.ok);
        return results;
      },

      async meshNodes(ctx: Context): Promise<NodeStatus[]> {
        const nodes = (await ctx.call("$node.list", { withServices: true })) as RegistryNode[];
        const actions = (await ctx.call("$node.actions", { withEndpoints: true, skipInternal: true })) as Array<{ name: string; endpoints?: Array<{ nodeID: string; state: boolean }> }>;
        const breakers = [...openLocalBreakers(actions, this.broker.nodeID), ...this.breakers.list()];
        const statuses = await Promise.all(
          nodes.map(async (node) => {
            if (!node.available) return nodeStatus(node, null, "node is not available", breakers);
            try {
              const health = (await ctx.call("$node.health", {}, { nodeID: node.id, timeout: this.settings.nodeHealthTimeoutMs, retries: 0 })) as NodeHealthStatus;
              return nodeStatus(node, health, null, breakers);
            } catch (err) {
              return nodeStatus(node, null, maskMessage((err as Error).message), breakers);
            }
          }),
        );
        return statuses.sort((a, b) => a.id.localeCompare(b.id));
      },
    },

    created() {
      this.timers = [];
      this.breakers = new BreakerBook();
      this.metricsOn = this.broker.isMetricsEnabled();
      const sink = this.metricsOn ? (this.broker.metrics as unknown as MetricSink) : NULL_SINK;
      if (this.metricsOn) registerMetrics(sink, [...BUSINESS_METRICS, ...DB_METRICS]);
      this.business = new BusinessMetrics(sink);
      const registry = this.broker.metrics as unknown as { getMetric(name: string): { values: Map<string, { value: unknown; labels: Record<string, unknown> }> } | null };
      this.emf = env.cloudWatchEmf && this.metricsOn
        ? new EmfReporter((name) => [...(registry.getMetric(name)?.values.values() ?? [])].map((v) => ({ value: Number(v.value), labels: v.labels ?? {} })))
        : null;
    },

    started() {
      if (!this.metricsOn) return;
      const emf = this.emf;
      if (emf) this.timers.push(setInterval(() => process.stdout.write(emf.lines()), this.settings.emfIntervalMs).unref());
      this.timers.push(
        setInterval(() => {
          this.business.refreshFeedAges();
          void this.refreshNotificationBacklog().catch(() => undefined);
        }, this.settings.feedAgeIntervalMs).unref(),
      );
      if (this.settings.probeIntervalMs > 0) {
        this.timers.push(
          setInterval(() => {
            void this.probeServers(null).catch(() => undefined);
            // One cex.exchanges per probe for both the exchange probe and the balance poll.
            if (!this.hasService("cex")) return;
            const listed = this.broker.call("cex.exchanges", {}, { timeout: this.settings.probeTimeoutMs, retries: 0 }) as Promise<string[]>;
            listed.catch(() => undefined);
            void this.probeExchanges(null, listed).catch(() => undefined);
            void this.refreshBalances(listed).catch(() => undefined);
          }, this.settings.probeIntervalMs).unref(),
        );
      }
    },

    stopped() {
      for (const t of this.timers) clearInterval(t);
      this.timers = [];
    },
  };
  return schema as unknown as ServiceSchema;
}
