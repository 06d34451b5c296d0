/**
 * Retention: which rows are deleted once older than N days. Declarative; a rule
 * whose table (or timestamp column) does not exist is skipped, so rules for tables of
 * later services (ticks, order updates, alerts) wait until those tables appear.
 * Fills and PnL are never deleted: rules naming them are refused.
 */
import { QueryTypes, type Sequelize } from "sequelize";
import { CEX_FILLS_TABLE, CEX_ORDERS_TABLE } from "../db/schemas/cex";
import { quoteIdent, tableColumns } from "./tables";

export interface RetentionRule {
  table: string;
  /** Column compared with the cut-off. */
  timestampColumn: string;
  /** "date": a DATE/TIMESTAMP column. "ms": milliseconds since the epoch (BIGINT). */
  timestampKind?: "date" | "ms";
  /** Days kept; default: the configured retention (RETENTION_DAYS). */
  keepDays?: number;
  /** Extra SQL condition (constants only, no user input), e.g. only final order states. */
  where?: string;
  description: string;
}

/** Tables whose rows are records, not operational churn: never deleted by retention. */
export const PROTECTED_TABLES = new Set([CEX_FILLS_TABLE, "fills", "pnl", "mm_pnl", "schema_migrations"]);
const PROTECTED_PATTERN = /(^|_)(fills?|pnl)($|_)/;

export const FINAL_ORDER_STATUSES = ["closed", "canceled", "expired", "rejected"] as const;

export const DEFAULT_RETENTION_RULES: RetentionRule[] = [
  {
    table: CEX_ORDERS_TABLE,
    timestampColumn: "updated_at",
    where: `status IN (${FINAL_ORDER_STATUSES.map((s) => `'${s}'`).join(", ")})`,
    description: "CEX orders in a final state (closed, canceled, expired, rejected); open and pending orders are kept",
  },
  { table: "api_tokens", timestampColumn: "revoked_at", description: "API tokens revoked long ago" },
  { table: "price_ticks", timestampColumn: "received_at", timestampKind: "ms", description: "Recorded price ticks" },
  { table: "order_updates", timestampColumn: "created_at", description: "Order update history" },
  { table: "alerts", timestampColumn: "resolved_at", where: "resolved_at IS NOT NULL", description: "Resolved alerts" },
];

export class RetentionRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RetentionRuleError";
  }
}

export function isProtectedTable(table: string): boolean {
  return PROTECTED_TABLES.has(table) || PROTECTED_PATTERN.test(table);
}

export function validateRules(rules: RetentionRule[]): void {
  for (const rule of rules) {
    if (isProtectedTable(rule.table)) throw new RetentionRuleError(`Retention never deletes from ${rule.table} (fills and PnL are kept)`);
    if (rule.keepDays !== undefined && (!Number.isInteger(rule.keepDays) || rule.keepDays < 1)) {
      throw new RetentionRuleError(`Retention of ${rule.table}: keepDays must be a positive integer`);
    }
  }
}

export interface RetentionOutcome {
  table: string;
  /** Rows deleted, null when the rule was skipped. */
  deleted: number | null;
  keepDays: number;
  cutoff: string;
  skipped: string | null;
}

export function cutoffOf(now: Date, keepDays: number): Date {
  return new Date(now.getTime() - keepDays * 86_400_000);
}

/** Deletes what each rule allows; tables or columns that do not exist are skipped. */
export async function applyRetention(sequelize: Sequelize, rules: RetentionRule[], defaultKeepDays: number, now = new Date()): Promise<RetentionOutcome[]> {
  validateRules(rules);
  const out: RetentionOutcome[] = [];
  for (const rule of rules) {
    const keepDays = rule.keepDays ?? defaultKeepDays;
    const cutoff = cutoffOf(now, keepDays);
    const base = { table: rule.table, keepDays, cutoff: cutoff.toISOString() };
    const columns = await tableColumns(sequelize, rule.table);
    if (columns === null) {
      out.push({ ...base, deleted: null, skipped: "table does not exist" });
      continue;
    }
    if (!columns.includes(rule.timestampColumn)) {
      out.push({ ...base, deleted: null, skipped: `no column ${rule.timestampColumn}` });
      continue;
    }
    const bound = rule.timestampKind === "ms" ? cutoff.getTime() : cutoff;
    const where = `${quoteIdent(rule.timestampColumn)} < :cutoff${rule.where ? ` AND (${rule.where})` : ""}`;
    const deleted = await countDeleted(sequelize, `DELETE FROM ${quoteIdent(rule.table)} WHERE ${where}`, { cutoff: bound });
    out.push({ ...base, deleted, skipped: null });
  }
  return out;
}

async function countDeleted(sequelize: Sequelize, sql: string, replacements: Record<string, unknown>): Promise<number> {
  const result = (await sequelize.query(sql, { type: QueryTypes.BULKDELETE, replacements })) as unknown;
  if (typeof result === "number") return result;
  return Number((result as { rowCount?: number })?.rowCount ?? 0);
}
