/**
 * The alert transitions heard (raised and resolved, from rules and from services that raise
 * their own, such as the market maker's kill switch), kept in the `alert_history` table of the
 * alerting service's database, so replicas share one history and a restart keeps it.
 *
 * - One row per notice, unique by messageId: the same notice recorded again (by another
 *   replica, or redelivered) inserts nothing.
 * - Newest first means by the time the first replica heard it (`seen_at`), then by row id.
 * - Bounded by `prune`: rows older than the retention age go, then all but the newest `keep`.
 *   Run periodically, not per insert; on PostgreSQL a replica that finds another pruning skips.
 */
import { Op, QueryTypes, type Model, type ModelStatic, type Sequelize, type Transaction, type WhereOptions } from "sequelize";
import { ALERT_HISTORY_TABLE, alertHistoryColumns } from "../db/schemas/alerting";
import type { AlertNotice, Severity } from "./types";

export type AlertHistoryEntry = Pick<AlertNotice, "kind" | "alertId" | "messageId" | "rule" | "severity" | "message" | "since" | "raisedAt" | "resolvedAt"> & {
  labels: Record<string, string>;
  seenAt: string;
};

export interface HistoryQuery {
  limit: number;
  severity?: Severity;
  alertId?: string;
  /** A messageId from an earlier page: only entries older than it. */
  before?: string;
}

export interface PruneLimits {
  /** Rows kept at most (the newest). */
  keep: number;
  /** Rows first heard longer ago than this go. */
  maxAgeDays: number;
}

export interface PruneOutcome {
  deleted: number;
  /** Another replica was pruning (PostgreSQL): nothing done this time. */
  skipped: boolean;
}

interface HistoryRow {
  id: number | string;
  message_id: string;
  kind: string;
  alert_id: string;
  rule: string;
  severity: string;
  message: string;
  labels: string;
  since: string;
  raised_at: string;
  resolved_at: string | null;
  seen_at: number | string;
}

const SEVERITIES: ReadonlySet<string> = new Set<Severity>(["info", "warning", "critical"]);
const DAY_MS = 86_400_000;
/** pg_try_advisory_xact_lock key of the prune; constant across mmesh nodes, distinct from the migrations' lock. */
const PRUNE_LOCK_ID = 7_300_452;
const NEWEST_FIRST: Array<[string, string]> = [
  ["seen_at", "DESC"],
  ["id", "DESC"],
];

const text = (value: unknown, fallback: string): string => (typeof value === "string" ? value : value === undefined || value === null ? fallback : String(value));

/**
 * The history entry of a notice heard at `now`, or null for what is not an alert transition.
 * Fields a notice lacks are filled in; a notice without a messageId gets one from its transition.
 */
export function historyEntryOf(notice: Partial<AlertNotice> | null | undefined, now = new Date()): AlertHistoryEntry | null {
  if (!notice || typeof notice !== "object" || (notice.kind !== "raised" && notice.kind !== "resolved") || typeof notice.alertId !== "string") return null;
  const seenAt = now.toISOString();
  const labels: Record<string, string> = {};
  if (notice.labels && typeof notice.labels === "object") {
    for (const [k, v] of Object.entries(notice.labels)) if (v !== undefined && v !== null) labels[k] = String(v);
  }
  return {
    kind: notice.kind,
    alertId: notice.alertId,
    messageId: text(notice.messageId, `${notice.alertId}|${notice.kind}|${notice.raisedAt ?? ""}|${notice.resolvedAt ?? ""}`),
    rule: text(notice.rule, notice.alertId),
    severity: typeof notice.severity === "string" && SEVERITIES.has(notice.severity) ? notice.severity : "info",
    message: text(notice.message, ""),
    since: text(notice.since, seenAt),
    raisedAt: text(notice.raisedAt, seenAt),
    resolvedAt: notice.resolvedAt === undefined || notice.resolvedAt === null ? null : String(notice.resolvedAt),
    labels,
    seenAt,
  };
}

function entryOfRow(row: HistoryRow): AlertHistoryEntry {
  let labels: Record<string, string> = {};
  try {
    const parsed: unknown = JSON.parse(row.labels);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) labels = parsed as Record<string, string>;
  } catch {
    // A row is never written with bad JSON; an edited one reads as no labels.
  }
  return {
    kind: row.kind as AlertHistoryEntry["kind"],
    alertId: row.alert_id,
    messageId: row.message_id,
    rule: row.rule,
    severity: row.severity as Severity,
    message: row.message,
    since: row.since,
    raisedAt: row.raised_at,
    resolvedAt: row.resolved_at,
    labels,
    seenAt: new Date(Number(row.seen_at)).toISOString(),
  };
}

/** Rows strictly older than `row` in the history's order (or as old, with `inclusive`). */
function olderThan(row: Pick<HistoryRow, "id" | "seen_at">, inclusive = false): WhereOptions {
  const seenAt = Number(row.seen_at);
  const id = Number(row.id);
  return { [Op.or]: [{ seen_at: { [Op.lt]: seenAt } }, { seen_at: seenAt, id: { [inclusive ? Op.lte : Op.lt]: id } }] };
}

export class AlertHistoryStore {
  private readonly model: ModelStatic<Model>;

  /** `sequelize` must have the alerting migrations applied (lib/db/schemas/alerting.ts). */
  constructor(private readonly sequelize: Sequelize) {
    this.model = sequelize.isDefined(ALERT_HISTORY_TABLE)
      ? sequelize.model(ALERT_HISTORY_TABLE)
      : sequelize.define(ALERT_HISTORY_TABLE, alertHistoryColumns, { tableName: ALERT_HISTORY_TABLE, timestamps: false });
  }

  /** Inserts the entry unless its messageId is recorded already; true when this call inserted it. */
  async record(entry: AlertHistoryEntry): Promise<boolean> {
    const [, inserted] = (await this.sequelize.query(
      `INSERT INTO ${ALERT_HISTORY_TABLE} (message_id, kind, alert_id, rule, severity, message, labels, since, raised_at, resolved_at, seen_at)
       VALUES (:messageId, :kind, :alertId, :rule, :severity, :message, :labels, :since, :raisedAt, :resolvedAt, :seenAt)
       ON CONFLICT (message_id) DO NOTHING`,
      {
        type: QueryTypes.INSERT,
        replacements: { ...entry, labels: JSON.stringify(entry.labels), seenAt: Date.parse(entry.seenAt) },
      },
    )) as [unknown, number];
    return inserted > 0;
  }

  /** Newest first, at most `limit`, optionally of one severity or one alert, optionally older than an entry already listed. */
  async list(query: HistoryQuery): Promise<AlertHistoryEntry[]> {
    const where: WhereOptions[] = [];
    if (query.severity) where.push({ severity: query.severity });
    if (query.alertId) where.push({ alert_id: query.alertId });
    if (query.before !== undefined) {
      const cursor = (await this.model.findOne({ where: { message_id: query.before }, attributes: ["id", "seen_at"], raw: true })) as HistoryRow | null;
      // Not (or no longer) recorded: what was older than it has been pruned before it.
      if (!cursor) return [];
      where.push(olderThan(cursor));
    }
    const rows = (await this.model.findAll({ where: { [Op.and]: where }, order: NEWEST_FIRST, limit: query.limit, raw: true })) as unknown as HistoryRow[];
    return rows.map(entryOfRow);
  }

  async count(): Promise<number> {
    return this.model.count();
  }

  /** Deletes rows past the retention age, then all but the newest `keep`. */
  async prune(limits: PruneLimits, now = Date.now()): Promise<PruneOutcome> {
    if (!Number.isInteger(limits.keep) || limits.keep < 1) throw new RangeError("keep must be a positive integer");
    if (!(limits.maxAgeDays > 0)) throw new RangeError("maxAgeDays must be positive");
    return this.sequelize.transaction(async (transaction: Transaction) => {
      if (this.sequelize.getDialect() === "postgres") {
        // Two replicas' deletes over the same rows could deadlock; the second one has nothing to do anyway.
        const [lock] = await this.sequelize.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${PRUNE_LOCK_ID}) AS locked`, { type: QueryTypes.SELECT, transaction });
        if (!lock?.locked) return { deleted: 0, skipped: true };
      }
      const byAge = await this.model.destroy({ where: { seen_at: { [Op.lt]: now - limits.maxAgeDays * DAY_MS } }, transaction });
      const edge = (await this.model.findOne({ attributes: ["id", "seen_at"], order: NEWEST_FIRST, offset: limits.keep, raw: true, transaction })) as HistoryRow | null;
      const byCount = edge ? await this.model.destroy({ where: olderThan(edge, true), transaction }) : 0;
      return { deleted: byAge + byCount, skipped: false };
    });
  }
}
