/**
 * Backtests started over the API (the `backtest` service): a queue of jobs run one at a time in
 * this process (a sweep on worker threads), each with its progress (0..1, events read) and, when
 * done, its report: the stream engine's report, or a sweep's rows. Datasets are files by name only:
 * the shipped sample and the replay files under one folder (DATA_DIR/backtest), never a path a
 * caller gives.
 *
 * Every job is a row of the run store (lib/backtest/run-store.ts), written when it is queued, when
 * it starts and when it ends; only the jobs queued or running here are kept in memory, with their
 * live progress. The finished runs beyond the newest `keep` are deleted after each finish.
 */
import fs from "node:fs";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { BacktestError, STRATEGY_NAMES, validateStrategyParams } from "./run";
import { INTERRUPTED, type BacktestRunStore } from "./run-store";
import { runStreamBacktest, type StreamBacktestOptions, type StreamBacktestReport } from "./stream-run";
import { parseSweep, runSweep, type SweepAxis, type SweepRow } from "./sweep";
import type { StrategyName } from "../config/kinds";

export type JobState = "queued" | "running" | "done" | "failed";

export interface BacktestJobRequest {
  strategy: StrategyName;
  params: Record<string, unknown>;
  dataset: string;
  queueModels?: string[];
  /** `name=v1,v2` per axis (as `npm run backtest -- --sweep`); present: a sweep. */
  sweep?: string[];
  makerFee?: string;
  takerFee?: string;
  latency?: { entry?: string; cancel?: string; feed?: string };
  seed?: number;
}

export interface BacktestJob {
  id: string;
  state: JobState;
  request: BacktestJobRequest;
  by: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  progress: number;
  events: number;
  error: string | null;
  report: StreamBacktestReport | { strategy: string; params: Record<string, unknown>; axes: SweepAxis[]; rows: SweepRow[] } | null;
}

export interface Dataset {
  name: string;
  bytes: number;
}

/** Replay file names a dataset may have (no folders, no leading dot). */
const DATASET_NAME = /^[A-Za-z0-9][\w.-]*\.(jsonl|csv)(\.gz)?$/;

export const SAMPLE_NAME = "sample-btc-usdt-1h.jsonl";
/** The maker fees of the shipped sample (bin/backtest.ts SAMPLE_FEES). */
const SAMPLE_FEES = { makerFee: "0.0001", takerFee: "0.0002" };

export interface BacktestJobsOptions {
  /** DATA_DIR/backtest: the replay files a job may read. */
  folder: string;
  /** The shipped sample, when the package has it. */
  sample: string | null;
  store: BacktestRunStore;
  /** This node: the owner written with each job. */
  nodeID: string;
  /** Finished runs kept in the store (default DEFAULT_KEEP). */
  keep?: number;
  /** Jobs queued or running on this node at most (default DEFAULT_MAX_ACTIVE); beyond, start throws BacktestQueueFull. */
  maxActive?: number;
  threads?: number;
  /** A job changed state or progress (progress at most every 250 ms). */
  onChange?: (job: BacktestJob) => void;
  /** A write to the store that failed (the job goes on; its row may lag). */
  onWriteError?: (job: BacktestJob, err: Error) => void;
}

export const DEFAULT_KEEP = 200;
export const DEFAULT_MAX_ACTIVE = 20;

/** This node already has its maximum of queued and running jobs: nothing wrong with the request, come back later. */
export class BacktestQueueFull extends Error {
  override readonly name = "BacktestQueueFull";
  constructor(readonly max: number) {
    super(`${max} backtests are already queued or running on this node; start this one when one has finished`);
  }
}

export class BacktestJobs {
  private readonly live = new Map<string, BacktestJob>();
  private chain: Promise<void> = Promise.resolve();
  private lastCreated = 0;
  private readonly stop = new AbortController();

  constructor(private readonly opts: BacktestJobsOptions) {}

  datasets(): Dataset[] {
    const out: Dataset[] = [];
    if (this.opts.sample && fs.existsSync(this.opts.sample)) out.push({ name: SAMPLE_NAME, bytes: fs.statSync(this.opts.sample).size });
    if (fs.existsSync(this.opts.folder)) {
      for (const name of fs.readdirSync(this.opts.folder).sort()) {
        const file = path.join(this.opts.folder, name);
        if (DATASET_NAME.test(name) && fs.statSync(file).isFile()) out.push({ name, bytes: fs.statSync(file).size });
      }
    }
    return out;
  }

  /** Checks the request (strategy, parameters, dataset, sweep axes), stores it and queues it. */
  async start(request: BacktestJobRequest, by: string | null = null): Promise<BacktestJob> {
    // Not a BacktestError: nothing is wrong with the request.
    if (this.stopping) throw new Error("the backtest service is stopping");
    if (!STRATEGY_NAMES.includes(request.strategy)) throw new BacktestError(`unknown strategy "${request.strategy}"; known: ${STRATEGY_NAMES.join(", ")}`);
    validateStrategyParams(request.strategy, request.params);
    this.fileOf(request.dataset);
    if (request.sweep) parseSweep(request.sweep);
    const max = this.opts.maxActive ?? DEFAULT_MAX_ACTIVE;
    if (this.live.size >= max) throw new BacktestQueueFull(max);
    // Creation times are distinct per node, so its jobs list in the order they were started.
    this.lastCreated = Math.max(Date.now(), this.lastCreated + 1);
    const job: BacktestJob = { id: randomUUID(), state: "queued", request, by, createdAt: new Date(this.lastCreated).toISOString(), startedAt: null, finishedAt: null, progress: 0, events: 0, error: null, report: null };
    await this.opts.store.queued(job, this.opts.nodeID);
    this.live.set(job.id, job);
    this.chain = this.chain.then(() => this.run(job));
    // As queued: the job object itself moves on as it runs.
    return { ...job };
  }

  /** After `close`: no job is taken any more. */
  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  /** A job queued or running on this node, with its live progress. */
  get(id: string): BacktestJob | undefined {
    return this.live.get(id);
  }

  /** The jobs queued or running on this node, oldest first. */
  active(): BacktestJob[] {
    return [...this.live.values()];
  }

  /** Resolves when every queued job has finished and been written (tests, shutdown). */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * A clean stop: the running job is ended (a stream run at its next progress tick, a sweep's
   * threads at once) and, with the queued ones, written as failed: interrupted. No job starts after.
   */
  async close(): Promise<void> {
    this.stop.abort();
    // A start answered while stopping may have added to the chain since.
    for (let seen: Promise<void> | null = null; seen !== this.chain; ) {
      seen = this.chain;
      await seen;
    }
  }

  private fileOf(dataset: string): string {
    if (dataset === SAMPLE_NAME && this.opts.sample && fs.existsSync(this.opts.sample)) return this.opts.sample;
    if (!DATASET_NAME.test(dataset)) throw new BacktestError(`dataset "${dataset}" is not a replay file name (.jsonl or .csv, optionally .gz)`);
    const file = path.join(this.opts.folder, dataset);
    if (!fs.existsSync(file)) throw new BacktestError(`no dataset "${dataset}"; known: ${this.datasets().map((d) => d.name).join(", ") || "none"}`);
    return file;
  }

  private async write(job: BacktestJob, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      this.opts.onWriteError?.(job, err as Error);
    }
  }

  private async run(job: BacktestJob): Promise<void> {
    if (this.stop.signal.aborted) return this.finish(job, INTERRUPTED);
    job.state = "running";
    job.startedAt = new Date().toISOString();
    this.opts.onChange?.(job);
    await this.write(job, () => this.opts.store.started(job));
    try {
      job.report = await this.compute(job);
      job.progress = 1;
      job.state = "done";
    } catch (err) {
      return this.finish(job, this.stop.signal.aborted ? INTERRUPTED : (err as Error).message);
    }
    return this.finish(job, null);
  }

  private async compute(job: BacktestJob): Promise<NonNullable<BacktestJob["report"]>> {
    const r = job.request;
    const file = this.fileOf(r.dataset);
    const fees = { ...(file === this.opts.sample ? SAMPLE_FEES : {}), ...(r.makerFee ? { makerFee: r.makerFee } : {}), ...(r.takerFee ? { takerFee: r.takerFee } : {}) };
    let lastNotice = 0;
    const options: StreamBacktestOptions = {
      strategy: r.strategy,
      params: r.params,
      data: file,
      fees,
      queueModels: r.queueModels,
      latency: r.latency,
      seed: r.seed,
      onProgress: (fraction, events) => {
        // Thrown inside the file reader's loop: it closes the file and the run rejects.
        if (this.stop.signal.aborted) throw new BacktestError("stopping");
        job.progress = fraction;
        job.events = events;
        const now = Date.now();
        if (now - lastNotice >= 250) {
          lastNotice = now;
          this.opts.onChange?.(job);
        }
      },
    };
    if (!r.sweep) return runStreamBacktest(options);
    const axes = parseSweep(r.sweep);
    const rows = await runSweep(
      options,
      axes,
      this.opts.threads,
      (done, total) => {
        job.progress = done / total;
        this.opts.onChange?.(job);
      },
      this.stop.signal,
    );
    return { strategy: r.strategy, params: r.params, axes, rows };
  }

  private async finish(job: BacktestJob, error: string | null): Promise<void> {
    if (error !== null) {
      job.state = "failed";
      job.error = error;
    }
    job.finishedAt = new Date().toISOString();
    await this.write(job, () => this.opts.store.finished(job));
    this.live.delete(job.id);
    this.opts.onChange?.(job);
    await this.write(job, () => this.opts.store.prune(this.opts.keep ?? DEFAULT_KEEP));
  }
}
