/**
 * Response bodies of the backtest service's routes, by action name, and the component schemas they
 * introduce: the jobs of lib/backtest/jobs.ts and their reports (lib/backtest/stream-run.ts, a
 * sweep's rows from lib/backtest/sweep.ts).
 */
import { STRATEGY_PARAMS } from "../../config/kinds";
import type { SchemaObject } from "../types";
import type { ActionResponses, ComponentSchemas } from "./types";

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
/** A decimal.js string (plain Decimal: a value below 1e-7 is written in exponent notation, 1.2e-8). */
const DECIMAL: SchemaObject = { type: "string" };
const MS: SchemaObject = { type: "number", description: "Unix time, ms (simulated: the replay's clock)." };
/** The markout horizons of lib/backtest/fill-quality.ts (MARKOUT_HORIZONS_MS). */
const HORIZONS = ["1s", "10s", "60s"];
const markouts = (description: string): SchemaObject => ({
	type: "object",
	description,
	properties: Object.fromEntries(HORIZONS.map((h) => [h, { type: "number", nullable: true }])),
	required: HORIZONS,
});
/** lib/risk RiskRejection. */
const RISK_REJECTIONS = ["max_order_notional", "max_open_orders", "max_base_inventory", "max_quote_inventory", "price_band", "self_trade"];

/** Set when the report was larger than the stored cap (lib/backtest/report-fit.ts). */
const TRIMMED: SchemaObject = { type: "string", description: "Present when the stored report was trimmed to its size cap (32 MB): what was thinned or cut. The headline figures are the whole run's." };

/** A job without its report, as `backtest.start` answers it and `backtest.runs` lists it. */
const JOB_PROPERTIES: Record<string, SchemaObject> = {
	id: { type: "string", format: "uuid" },
	state: ref("BacktestJobState"),
	request: ref("BacktestRequest"),
	by: { type: "string", nullable: true, description: "The user who started it (null: no user)." },
	createdAt: { type: "string", format: "date-time" },
	startedAt: { type: "string", format: "date-time", nullable: true },
	finishedAt: { type: "string", format: "date-time", nullable: true },
	progress: { type: "number", minimum: 0, maximum: 1, description: "Fraction of the dataset read (a sweep: of its combinations run)." },
	events: { type: "number", description: "Events of the market read so far." },
	error: { type: "string", nullable: true, description: "Why it failed." },
};
const JOB_REQUIRED = ["id", "state", "request", "by", "createdAt", "startedAt", "finishedAt", "progress", "events", "error"];

export const backtestResponses: ActionResponses = {
	"backtest.datasets": {
		type: "array",
		items: {
			type: "object",
			properties: { name: { type: "string", description: "What `dataset` of POST /runs takes." }, bytes: { type: "number" } },
			required: ["name", "bytes"],
		},
	},
	"backtest.start": ref("BacktestJob"),
	"backtest.runs": { type: "array", items: ref("BacktestJobListed") },
	"backtest.run": ref("BacktestRun"),
};

export const backtestSchemas: ComponentSchemas = {
	BacktestJobState: { type: "string", enum: ["queued", "running", "done", "failed"] },
	StrategyName: { type: "string", enum: Object.keys(STRATEGY_PARAMS) },
	BacktestRequest: {
		description: "The run asked for, as POST /runs took it.",
		type: "object",
		properties: {
			strategy: ref("StrategyName"),
			params: { type: "object", additionalProperties: {}, description: "The strategy's parameters as sent (the report has them checked, defaults filled in)." },
			dataset: { type: "string" },
			queueModels: { type: "array", items: { type: "string" } },
			sweep: { type: "array", items: { type: "string" }, description: "`name=v1,v2` per axis: present, the job is a sweep." },
			makerFee: { type: "string" },
			takerFee: { type: "string" },
			latency: {
				type: "object",
				properties: { entry: { type: "string" }, cancel: { type: "string" }, feed: { type: "string" } },
			},
			seed: { type: "integer" },
		},
		required: ["strategy", "params", "dataset"],
	},
	BacktestJob: {
		description: "A backtest job: its request, state and progress.",
		type: "object",
		properties: JOB_PROPERTIES,
		required: JOB_REQUIRED,
	},
	BacktestJobListed: {
		description: "A backtest job as listed: without its report, with the headline PnL and fills (a sweep: its best row's) once done.",
		type: "object",
		properties: {
			...JOB_PROPERTIES,
			summary: {
				type: "object",
				properties: { pnl: { ...DECIMAL, nullable: true }, fills: { type: "integer", nullable: true } },
				required: ["pnl", "fills"],
			},
		},
		required: [...JOB_REQUIRED, "summary"],
	},
	BacktestRun: {
		description: "A backtest job with its report (null until done).",
		type: "object",
		properties: {
			...JOB_PROPERTIES,
			report: { oneOf: [ref("StreamBacktestReport"), ref("BacktestSweepReport")], nullable: true },
		},
		required: [...JOB_REQUIRED, "report"],
	},
	StreamBacktestReport: {
		description: "The stream engine's report (report.json of `npm run backtest`): one result per queue model, the first the headline.",
		type: "object",
		properties: {
			engine: { type: "string", enum: ["stream"] },
			strategy: ref("StrategyName"),
			params: {
				description: "The checked parameters, defaults filled in.",
				anyOf: [ref("PureMarketMakingParams"), ref("AvellanedaStoikovParams"), ref("GlftParams")],
			},
			market: {
				type: "object",
				properties: {
					symbol: { type: "string" },
					base: { type: "string" },
					quote: { type: "string" },
					tickSize: DECIMAL,
					lotSize: DECIMAL,
					makerFee: DECIMAL,
					takerFee: DECIMAL,
					minNotional: { ...DECIMAL, nullable: true },
				},
				required: ["symbol", "base", "quote", "tickSize", "lotSize", "makerFee", "takerFee", "minNotional"],
			},
			settings: {
				type: "object",
				properties: {
					queueModels: { type: "array", items: { type: "string" } },
					latency: {
						type: "object",
						description: "Latency model specs (lib/backtest/latency-models.ts).",
						properties: { entry: { type: "string" }, cancel: { type: "string" }, feed: { type: "string" } },
						required: ["entry", "cancel", "feed"],
					},
					seed: { type: "integer" },
					minRequoteIntervalMs: { type: "number" },
					sampleEveryMs: { type: "number" },
					risk: { allOf: [ref("RiskConfig")], nullable: true, description: "The risk limits applied (null: none)." },
				},
				required: ["queueModels", "latency", "seed", "minRequoteIntervalMs", "sampleEveryMs", "risk"],
			},
			period: {
				type: "object",
				properties: {
					start: MS,
					end: MS,
					events: { type: "integer" },
					books: { type: "integer" },
					trades: { type: "integer" },
					otherSymbols: { type: "integer", description: "Events of other symbols, skipped." },
				},
				required: ["start", "end", "events", "books", "trades", "otherSymbols"],
			},
			initial: {
				type: "object",
				properties: { base: DECIMAL, quote: DECIMAL, mid: DECIMAL, capital: DECIMAL },
				required: ["base", "quote", "mid", "capital"],
			},
			final: { type: "object", properties: { mid: { type: "string" } }, required: ["mid"] },
			results: { type: "array", items: ref("BacktestSimulation") },
			runtimeMs: { type: "number" },
			eventsPerSecond: { type: "number" },
			trimmed: TRIMMED,
		},
		required: ["engine", "strategy", "params", "market", "settings", "period", "initial", "final", "results", "runtimeMs", "eventsPerSecond"],
	},
	BacktestSimulation: {
		description: "The run under one queue model.",
		type: "object",
		properties: {
			queueModel: { type: "string" },
			final: {
				type: "object",
				properties: {
					total: DECIMAL,
					realized: DECIMAL,
					unrealized: DECIMAL,
					feesPaid: DECIMAL,
					position: DECIMAL,
					volume: DECIMAL,
					fills: { type: "integer" },
					equity: DECIMAL,
					inventory: { type: "object", properties: { base: DECIMAL, quote: DECIMAL }, required: ["base", "quote"] },
				},
				required: ["total", "realized", "unrealized", "feesPaid", "position", "volume", "fills", "equity", "inventory"],
			},
			series: { type: "array", items: ref("BacktestSample"), description: "Sampled every sampleEveryMs (thinned beyond 20000 samples)." },
			fills: { type: "array", items: ref("BacktestFill") },
			fillsTruncated: { type: "boolean", description: "More fills happened than are listed." },
			maxDrawdown: {
				type: "object",
				properties: {
					absolute: DECIMAL,
					pct: { type: "number", description: "Fraction of the peak (0.05 = 5 %)." },
					peakTs: { type: "number", nullable: true },
					troughTs: { type: "number", nullable: true },
				},
				required: ["absolute", "pct", "peakTs", "troughTs"],
			},
			sharpe: {
				type: "object",
				properties: {
					annualized: { type: "number", nullable: true },
					perSample: { type: "number", nullable: true },
					samplesPerYear: { type: "number" },
					returns: { type: "integer" },
				},
				required: ["annualized", "perSample", "samplesPerYear", "returns"],
			},
			inventoryStd: { type: "number", description: "Std of the position over the samples, base units." },
			meanEdge: { type: "number", nullable: true, description: "Mean signed edge of fills against the mid, quote per base (null: no fill)." },
			fillQuality: {
				type: "object",
				description: "Edge, fee and markouts of the listed fills, bp.",
				properties: {
					fills: { type: "integer" },
					makerFeeBps: { type: "number" },
					meanEdgeBps: { type: "number", nullable: true },
					meanFeeBps: { type: "number", nullable: true },
					meanMarkoutBps: markouts("Mean over the fills that have a mid that much later."),
				},
				required: ["fills", "makerFeeBps", "meanEdgeBps", "meanFeeBps", "meanMarkoutBps"],
			},
			orders: {
				type: "object",
				properties: { placed: { type: "integer" }, rejected: { type: "integer" }, cancelled: { type: "integer" }, requotes: { type: "integer" } },
				required: ["placed", "rejected", "cancelled", "requotes"],
			},
			risk: {
				type: "object",
				nullable: true,
				description: "What the risk limits did (null: run without them).",
				properties: {
					halt: {
						type: "object",
						nullable: true,
						description: "The kill switch tripped: when (simulated ms), why.",
						properties: { ts: { type: "number" }, reason: { type: "string" }, detail: { type: "string" } },
						required: ["ts", "reason", "detail"],
					},
					rejected: {
						type: "object",
						description: "New orders refused, by reason.",
						properties: Object.fromEntries(RISK_REJECTIONS.map((r) => [r, { type: "integer" }])),
					},
					stalePulls: { type: "integer" },
				},
				required: ["halt", "rejected", "stalePulls"],
			},
		},
		required: [
			"queueModel", "final", "series", "fills", "fillsTruncated", "maxDrawdown", "sharpe", "inventoryStd", "meanEdge", "fillQuality", "orders", "risk",
		],
	},
	BacktestSample: {
		type: "object",
		properties: {
			ts: MS,
			mid: { type: "string" },
			position: { type: "string" },
			realized: { type: "string" },
			unrealized: { type: "string" },
			equity: { type: "string" },
			base: { type: "string" },
			quote: { type: "string" },
		},
		required: ["ts", "mid", "position", "realized", "unrealized", "equity", "base", "quote"],
	},
	BacktestFill: {
		type: "object",
		properties: {
			ts: MS,
			tradeId: { type: "string" },
			side: { type: "string", enum: ["buy", "sell"] },
			price: DECIMAL,
			amount: DECIMAL,
			fee: DECIMAL,
			feeCurrency: { type: "string", nullable: true },
			mid: { type: "string", description: "Mid of the book when the fill happened." },
			quality: {
				type: "object",
				description: "Edge against that mid, fee, and markouts, bp.",
				properties: { edgeBps: { type: "number" }, feeBps: { type: "number" }, markoutBps: markouts("The mid's move that long after, in the fill's favour (null: past the data's end).") },
				required: ["edgeBps", "feeBps", "markoutBps"],
			},
		},
		required: ["ts", "tradeId", "side", "price", "amount", "fee", "feeCurrency", "mid", "quality"],
	},
	BacktestSweepReport: {
		description: "A sweep's report: one row per combination of the axes, in grid order, each the headline queue model's result.",
		type: "object",
		properties: {
			strategy: ref("StrategyName"),
			params: { type: "object", additionalProperties: {}, description: "The base parameters as sent." },
			axes: {
				type: "array",
				items: { type: "object", properties: { name: { type: "string" }, values: { type: "array", items: { type: "string" } } }, required: ["name", "values"] },
			},
			rows: {
				type: "array",
				items: {
					type: "object",
					properties: {
						settings: { type: "object", additionalProperties: { type: "string" }, description: "Axis name → value." },
						queueModel: { type: "string" },
						pnl: DECIMAL,
						sharpe: { type: "number", nullable: true },
						maxDrawdown: DECIMAL,
						fills: { type: "integer" },
						inventoryStd: { type: "number" },
						meanEdge: { type: "number", nullable: true },
						eventsPerSecond: { type: "number" },
					},
					required: ["settings", "queueModel", "pnl", "sharpe", "maxDrawdown", "fills", "inventoryStd", "meanEdge", "eventsPerSecond"],
				},
			},
			trimmed: TRIMMED,
		},
		required: ["strategy", "params", "axes", "rows"],
	},
};
