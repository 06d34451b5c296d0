/**
 * The backtest_runs table as the record of every backtest job, read alike by every replica: a row
 * is written when a job is queued, when it starts and when it ends (the progress between stays on
 * the node running it). Rows a node left queued or running when it died are marked failed
 * (`interrupt`), and only the newest `keep` finished runs are kept (`prune`).
 */
import { Decimal } from "../decimal";
import { Op, QueryTypes, type Model, type ModelStatic } from "sequelize";
import { BACKTEST_RUNS_TABLE } from "../db/schemas/backtest";
import type { BacktestJob, BacktestJobRequest, JobState } from "./jobs";
import { DEFAULT_MAX_REPORT_BYTES, fitReport } from "./report-fit";
import type { SweepRow } from "./sweep";

export const INTERRUPTED = "interrupted: the node stopped before the run finished";

export interface RunSummary {
  pnl: string | null;
  fills: number | null;
}

/** A job as listed: without its report (it can be large), with the headline PnL and fills. */
export type ListedJob = Omit<BacktestJob, "report"> & { summary: RunSummary };

/** A stored job and the node that took it. */
export type Owned<T> = T & { nodeID: string };

interface RunRow {
  id: string;
  state: JobState;
  request: string;
  requested_by: string | null;
  node_id: string;
  created_at: number | string;
  started_at: number | string | null;
  finished_at: number | string | null;
  progress: number;
  events: number | string;
  error: string | null;
  pnl: string | null;
  fills: number | null;
  report?: string | null;
}

const FINISHED: JobState[] = ["done", "failed"];
const ACTIVE: JobState[] = ["queued", "running"];

const msOf = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
// BIGINT comes back as a string from PostgreSQL.
const isoOf = (ms: number | string | null): string | null => (ms === null ? null : new Date(Number(ms)).toISOString());

/** The headline run's (a sweep: its best row's) PnL and fills. */
export function summaryOf(report: BacktestJob["report"]): RunSummary {
  if (!report) return { pnl: null, fills: null };
  if ("rows" in report) {
    const best = report.rows.reduce<SweepRow | undefined>((b, row) => (!b || new Decimal(row.pnl).gt(b.pnl) ? row : b), undefined);
    return { pnl: best?.pnl ?? null, fills: best?.fills ?? null };
  }
  const head = report.results[0];
  return { pnl: head?.final.total ?? null, fills: head?.final.fills ?? null };
}

function listedOf(row: RunRow): Owned<ListedJob> {
  return {
    id: row.id,
    state: row.state,
    request: JSON.parse(row.request) as BacktestJobRequest,
    by: row.requested_by,
    createdAt: isoOf(row.created_at) as string,
    startedAt: isoOf(row.started_at),
    finishedAt: isoOf(row.finished_at),
    progress: Number(row.progress),
    events: Number(row.events),
    error: row.error,
    summary: { pnl: row.pnl, fills: row.fills === null ? null : Number(row.fills) },
    nodeID: row.node_id,
  };
}

export class BacktestRunStore {
  constructor(
    private readonly model: ModelStatic<Model>,
    private readonly opts: { maxReportBytes?: number } = {},
  ) {}

  async queued(job: BacktestJob, nodeID: string): Promise<void> {
    await this.model.create({
      id: job.id,
      state: job.state,
      request: JSON.stringify(job.request),
      requested_by: job.by,
      node_id: nodeID,
      created_at: msOf(job.createdAt),
      started_at: msOf(job.startedAt),
      finished_at: msOf(job.finishedAt),
      progress: job.progress,
      events: job.events,
      error: job.error,
    });
  }

  async started(job: BacktestJob): Promise<void> {
    await this.model.update({ state: job.state, started_at: msOf(job.startedAt) }, { where: { id: job.id } });
  }

  /** The end of a run, with its report (fitted to the size cap) and summary. Answers the trimming note, if any. */
  async finished(job: BacktestJob): Promise<string | null> {
    const fitted = job.report ? fitReport(job.report, this.opts.maxReportBytes ?? DEFAULT_MAX_REPORT_BYTES) : null;
    const summary = summaryOf(job.report);
    await this.model.update(
      {
        state: job.state,
        started_at: msOf(job.startedAt),
        finished_at: msOf(job.finishedAt),
        progress: job.progress,
        events: job.events,
        error: job.error,
        pnl: summary.pnl,
        fills: summary.fills,
        report: fitted?.json ?? null,
      },
      { where: { id: job.id } },
    );
    return fitted?.trimmed ?? null;
  }

  async get(id: string): Promise<Owned<BacktestJob> | null> {
    const found = await this.getStored(id);
    return found && { ...found.job, report: found.reportJson === null ? null : JSON.parse(found.reportJson) };
  }

  /** A stored job without its report, and the report as the JSON text stored (up to the size cap: 32 MB). */
  async getStored(id: string): Promise<{ job: Owned<Omit<BacktestJob, "report">>; reportJson: string | null } | null> {
    const found = await this.model.findByPk(id, { raw: true });
    if (!found) return null;
    const row = found as unknown as RunRow;
    const { summary: _summary, ...job } = listedOf(row);
    return { job, reportJson: row.report || null };
  }

  /** Every stored job, newest first, without reports. */
  async list(): Promise<Array<Owned<ListedJob>>> {
    const rows = await this.model.findAll({ attributes: { exclude: ["report"] }, order: [["created_at", "DESC"], ["id", "DESC"]], raw: true });
    return (rows as unknown as RunRow[]).map(listedOf);
  }

  /** Marks the queued and running jobs of `nodeID` (of every node: null) failed as interrupted; answers how many. */
  async interrupt(nodeID: string | null, at = new Date()): Promise<number> {
    const [count] = await this.model.update(
      { state: "failed", error: INTERRUPTED, finished_at: at.getTime() },
      { where: { state: { [Op.in]: ACTIVE }, ...(nodeID === null ? {} : { node_id: nodeID }) } },
    );
    return count;
  }

  /**
   * Deletes the finished runs beyond the newest `keep` (by creation); answers how many. One
   * statement, so replicas pruning at once agree: a row goes only when `keep` newer finished
   * rows exist, and finished rows stay finished.
   */
  async prune(keep: number): Promise<number> {
    const sequelize = this.model.sequelize!;
    const table = `"${BACKTEST_RUNS_TABLE}"`;
    const finished = FINISHED.map((s) => `'${s}'`).join(", ");
    const sql =
      `DELETE FROM ${table} WHERE state IN (${finished}) AND id NOT IN ` +
      `(SELECT id FROM ${table} WHERE state IN (${finished}) ORDER BY created_at DESC, id DESC LIMIT :keep)`;
    // BULKDELETE: both dialects answer the number of rows deleted.
    const deleted: unknown = await sequelize.query(sql, { replacements: { keep: Math.max(0, Math.floor(keep)) }, type: QueryTypes.BULKDELETE });
    return Number(deleted);
  }
}

/** The JSON text of a job with its report: `job`'s fields, then `report` (stored JSON text, inserted as it is). */
export function jobJson(job: Omit<BacktestJob, "report">, reportJson: string | null): string {
  const fields = JSON.stringify(job);
  return `${fields.slice(0, -1)}${fields === "{}" ? "" : ","}"report":${reportJson ?? "null"}}`;
}

/** The live part of a job queued or running on its node (what `backtest.localRuns` answers). */
export type LiveProgress = Pick<BacktestJob, "id" | "state" | "startedAt" | "progress" | "events">;

export const liveOf = ({ id, state, startedAt, progress, events }: BacktestJob): LiveProgress => ({ id, state, startedAt, progress, events });

/** A stored job with the live progress of the node running it; a finished row is the record as it is. */
export function withLive<T extends Omit<BacktestJob, "report">>(stored: T, live: LiveProgress | undefined): T {
  if (!live || !ACTIVE.includes(stored.state) || !ACTIVE.includes(live.state)) return stored;
  return { ...stored, state: live.state, startedAt: live.startedAt, progress: live.progress, events: live.events };
}
