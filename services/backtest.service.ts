/**
 * Backtests over the API (SERVICES name `backtest`): start a stream-engine run or a sweep on a
 * dataset, follow its progress, read its report. The jobs run one at a time on the node that took
 * them (lib/backtest/jobs.ts; a sweep on worker threads); datasets are the shipped sample (when the
 * package has it) and the replay files under DATA_DIR/backtest, by name. Progress is broadcast as
 * `backtest.job.updated` (at most every 250 ms per job) for the console's live channel.
 *
 * Every job is a row of `backtest_runs` in the service's database (lib/backtest/run-store.ts),
 * written when queued, started and finished, so a restart keeps finished runs and their reports and
 * any replica lists and reads the same runs; the live progress of a job still running comes from
 * the replica running it (`localRuns`, not on the API). Jobs a node left queued or running are
 * marked failed, interrupted: by the node itself when it stops or starts again (same NODE_ID; with
 * no transporter every such row, as no other node can be running it), and by the other replicas
 * when it leaves the mesh.
 */
import fs from "node:fs";
import path from "node:path";
import type { Context, ServiceSchema } from "moleculer";
import type { Model, ModelStatic } from "sequelize";
import { BacktestJobs, BacktestQueueFull, type BacktestJobRequest } from "../lib/backtest/jobs";
import { BacktestRunStore, jobJson, liveOf, withLive, type LiveProgress } from "../lib/backtest/run-store";
import { BacktestError, STRATEGY_NAMES } from "../lib/backtest";
import { BACKTEST_RUNS_TABLE, backtestMigrations, backtestRunColumns } from "../lib/db/schemas/backtest";
import { invalid, notFound, overloaded, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { jsonAnswer, jsonTextAnswer } from "../lib/runtime/json-stream";
import { createDbMixin } from "../mixins/db.mixin";

export interface BacktestSettings {
  /** Finished runs kept in the table; older ones are deleted after each finish. */
  keep: number;
  /** Jobs queued or running on one node at most; beyond, start answers 503 with Retry-After. */
  maxActive: number;
}

interface Vars {
  jobs: BacktestJobs;
  store: BacktestRunStore;
  adapter: { model: ModelStatic<Model> };
}

interface Methods {
  /** Live progress of the jobs queued or running on `nodeID` (none when it does not answer). */
  liveOn(ctx: Context, nodeID: string): Promise<LiveProgress[]>;
}

/** The shipped sample, found from the compiled (dist/services) or the source (services) folder. */
function sampleFile(): string | null {
  for (const dir of [path.resolve(__dirname, "../.."), path.resolve(__dirname, "..")]) {
    const file = path.join(dir, "samples", "btc-usdt-1h.jsonl");
    if (fs.existsSync(file)) return file;
  }
  return null;
}

const DECIMAL = { type: "string", pattern: /^\d+(\.\d+)?$/, optional: true } as const;
const LATENCY_SPEC = { type: "string", min: 1, max: 200, optional: true } as const;
const ACTIVE = ["queued", "running"];

/** The owner is internal: answers keep the shape of the API's BacktestJob. */
function withoutOwner<T extends { nodeID: string }>({ nodeID: _nodeID, ...job }: T): Omit<T, "nodeID"> {
  return job;
}

export default function createBacktestService(env: RuntimeEnv, overrides: Partial<BacktestSettings> = {}): ServiceSchema {
  const schema: ServiceSchema<BacktestSettings, Methods, Vars> = {
    name: "backtest",
    mixins: [createDbMixin({ service: "backtest", table: BACKTEST_RUNS_TABLE, define: backtestRunColumns, migrations: backtestMigrations, database: env.database })],
    settings: { keep: env.backtest.keepRuns, maxActive: env.backtest.maxActive, ...overrides },

    actions: {
      datasets: {
        rest: "GET /datasets",
        role: "viewer",
        summary: "Replay files a backtest can run on: the shipped sample and the .jsonl/.csv(.gz) files under DATA_DIR/backtest",
        handler() {
          return this.jobs.datasets();
        },
      },

      start: {
        rest: "POST /runs",
        role: "trader",
        summary: "Queue a stream-engine backtest (or, with sweep, a parameter sweep) of a strategy on a dataset; answers the job, whose progress GET /runs shows",
        params: {
          strategy: { type: "enum", values: [...STRATEGY_NAMES] },
          params: { type: "object" },
          dataset: { type: "string", min: 1, max: 200 },
          queueModels: { type: "array", items: { type: "string", min: 1, max: 40 }, min: 1, max: 6, optional: true },
          sweep: { type: "array", items: { type: "string", min: 3, max: 500 }, min: 1, max: 4, optional: true },
          makerFee: DECIMAL,
          takerFee: DECIMAL,
          seed: { type: "number", integer: true, min: 0, optional: true },
          // Latency model specs as --latency-* take them (lib/backtest/latency-models.ts): "0", "5ms", "lognormal:…".
          latency: {
            type: "object",
            optional: true,
            strict: true,
            props: { entry: LATENCY_SPEC, cancel: LATENCY_SPEC, feed: LATENCY_SPEC },
          },
          // A field this action does not know is refused (422 naming it), not stored with the job.
          $$strict: true,
        },
        async handler(ctx: Context<BacktestJobRequest, { user?: { username?: string } }>) {
          if (this.jobs.stopping) throw unavailable("The backtest service is stopping; start the run again in a moment");
          try {
            const { report: _report, ...job } = await this.jobs.start(ctx.params, ctx.meta.user?.username ?? null);
            return job;
          } catch (err) {
            if (err instanceof BacktestQueueFull) throw overloaded(err.message, 30, { maxActive: err.max });
            if (err instanceof BacktestError || ["QueueModelError", "LatencyModelError"].includes((err as Error).name)) {
              const message = (err as Error).message;
              const field = /dataset/.test(message) ? "dataset" : /sweep/.test(message) ? "sweep" : /queue/i.test(message) ? "queueModels" : "params";
              throw invalid(message, field);
            }
            throw err;
          }
        },
      },

      runs: {
        rest: "GET /runs",
        role: "viewer",
        summary: "Backtest jobs of every replica, newest first: state, progress (0..1), events read, the headline PnL and fills when done",
        async handler(ctx: Context) {
          const stored = await this.store.list();
          const owners = [...new Set(stored.filter((j) => ACTIVE.includes(j.state)).map((j) => j.nodeID))];
          const live = new Map((await Promise.all(owners.map((nodeID) => this.liveOn(ctx, nodeID)))).flat().map((p) => [p.id, p]));
          // No bound on the queued jobs, nor on a request's params: possibly past one message.
          return jsonAnswer(ctx, stored.map((job) => withoutOwner(withLive(job, live.get(job.id)))));
        },
      },

      run: {
        rest: "GET /runs/:id",
        role: "viewer",
        summary: "One backtest job with its report (the stream engine's report.json, or a sweep's rows); a job still running has the live progress of the replica running it",
        params: { id: { type: "uuid" } },
        // The report is up to 32 MB of JSON, far past a NATS message (1 MB): the answer is always a
        // stream of the JSON text (lib/runtime/json-stream.ts), the stored report put in as it is,
        // never parsed. The gateway pipes it; a broker caller gets the job object (JsonAnswers).
        async handler(ctx: Context<{ id: string }>) {
          const found = await this.store.getStored(ctx.params.id);
          if (!found) throw notFound(`Backtest ${ctx.params.id}`);
          const stored = found.job;
          const live = ACTIVE.includes(stored.state) ? (await this.liveOn(ctx, stored.nodeID)).find((p) => p.id === stored.id) : undefined;
          return jsonTextAnswer(ctx, jobJson(withoutOwner(withLive(stored, live)), found.reportJson));
        },
      },

      localRuns: {
        visibility: "public",
        handler(): LiveProgress[] {
          return this.jobs.active().map(liveOf);
        },
      },
    },

    events: {
      async "$node.disconnected"(ctx: Context<{ node: { id: string } }>) {
        // The node is gone from the mesh: what it had queued or running will not finish (a clean stop wrote its own already).
        const gone = ctx.params.node.id;
        const count = await this.store?.interrupt(gone).catch((err: Error) => {
          this.logger.warn(`backtest runs of the departed node ${gone} not marked interrupted: ${err.message}`);
          return 0;
        });
        if (count) this.logger.warn(`${count} backtest run(s) of the departed node ${gone} marked failed: interrupted`);
      },
    },

    methods: {
      async liveOn(ctx: Context, nodeID: string): Promise<LiveProgress[]> {
        if (nodeID === this.broker.nodeID) return this.jobs.active().map(liveOf);
        return ctx.call<LiveProgress[], object>("backtest.localRuns", {}, { nodeID }).catch(() => []);
      },
    },

    async started() {
      this.store = new BacktestRunStore(this.adapter.model);
      // What a crash or kill of this node left (with no transporter: any node's, as none other can be running it).
      const interrupted = await this.store.interrupt(env.transporter === null ? null : this.broker.nodeID);
      if (interrupted > 0) this.logger.warn(`${interrupted} backtest run(s) left queued or running by a previous start marked failed: interrupted`);
      this.jobs = new BacktestJobs({
        folder: path.join(env.dataDir, "backtest"),
        sample: sampleFile(),
        store: this.store,
        nodeID: this.broker.nodeID,
        keep: this.settings.keep,
        maxActive: this.settings.maxActive,
        onChange: (job) => {
          void Promise.resolve(
            this.broker.broadcast("backtest.job.updated", { id: job.id, state: job.state, progress: job.progress, events: job.events, error: job.error, strategy: job.request.strategy, dataset: job.request.dataset }),
          ).catch(() => undefined);
        },
        onWriteError: (job, err) => this.logger.warn(`backtest ${job.id} (${job.state}) not written to ${BACKTEST_RUNS_TABLE}: ${err.message}`),
      });
    },

    async stopped() {
      // Before the db mixin disconnects (own stopped handlers run first): the running and queued jobs are written as interrupted.
      await this.jobs?.close();
    },
  };
  return schema as unknown as ServiceSchema;
}
