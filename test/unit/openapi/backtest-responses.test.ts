/**
 * The backtest service's response schemas against real reports where the gateway test
 * (test/integration/openapi-responses.test.ts) cannot make them: a run with risk limits (the risk
 * report and settings.risk), a sweep's report (sweeps run on worker threads from the built code,
 * which jest does not run), and a listed job's summary. The stream engine runs for real on the
 * sample's first 2000 lines; strict mode refuses any property a schema does not list.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BacktestJob } from "../../../lib/backtest/jobs";
import { runStreamBacktest, type StreamBacktestReport } from "../../../lib/backtest/stream-run";
import { rowOf } from "../../../lib/backtest/sweep";
import { buildOpenApiDocument } from "../../../lib/openapi/document";
import { ACTION_RESPONSES } from "../../../lib/openapi/responses";
import { OpenApiValidator } from "../../support/openapi-validator";

const PARAMS = { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 1000 };

describe("backtest response schemas", () => {
	let dir: string;
	let data: string;
	let validator: OpenApiValidator;
	let risky: StreamBacktestReport;

	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-oa-backtest-"));
		data = path.join(dir, "first-2000.jsonl");
		const sample = fs.readFileSync(path.resolve(__dirname, "../../../samples/btc-usdt-1h.jsonl"), "utf8").split("\n").slice(0, 2000).join("\n") + "\n";
		fs.writeFileSync(data, sample);
		const doc = buildOpenApiDocument(
			["backtest.run", "backtest.runs"].map((action) => ({ method: "GET", path: `/${action}`, action, auth: true, response: ACTION_RESPONSES[action] })),
			{ title: "t", version: "1" },
		);
		validator = new OpenApiValidator(doc as never);
		// Limits tight enough to refuse orders: the risk report has counts.
		risky = await runStreamBacktest({ strategy: "pure_market_making", params: PARAMS, data, queueModels: ["none"], risk: { maxBaseInventory: "0.01", maxOpenOrders: 1 } });
	});

	afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

	const job = (report: BacktestJob["report"], sweep?: string[]): BacktestJob => ({
		id: "5b0c1d7e-8a47-4f3e-9d59-2f3c0b7a9e11",
		state: "done",
		request: { strategy: "pure_market_making", params: PARAMS, dataset: "first-2000.jsonl", ...(sweep ? { sweep } : {}) },
		by: "admin",
		createdAt: "2026-12-06T15:00:00.000Z",
		startedAt: "2026-12-06T15:00:00.010Z",
		finishedAt: "2026-12-06T15:00:01.000Z",
		progress: 1,
		events: risky.period.events,
		error: null,
		report,
	});
	const check = (action: "backtest.run" | "backtest.runs", body: unknown) => validator.check("GET", `/${action}`, 200, body).problems;

	it("describes a run with risk limits: settings.risk and each result's risk report", () => {
		expect(risky.settings.risk).not.toBeNull();
		expect(risky.results[0].risk).not.toBeNull();
		expect(Object.values(risky.results[0].risk?.rejected ?? {}).reduce((a, b) => a + (b ?? 0), 0)).toBeGreaterThan(0);
		expect(check("backtest.run", job(risky))).toEqual([]);
	});

	it("describes a sweep's report, and refuses a row with a field too many", () => {
		const rows = [rowOf({ bidSpread: "0.0001" }, risky), rowOf({ bidSpread: "0.0002" }, risky)];
		const report = { strategy: "pure_market_making", params: PARAMS, axes: [{ name: "bidSpread", values: ["0.0001", "0.0002"] }], rows };
		expect(check("backtest.run", job(report, ["bidSpread=0.0001,0.0002"]))).toEqual([]);
		const extra = { ...report, rows: [{ ...rows[0], surprise: 1 }] };
		expect(check("backtest.run", job(extra)).length).toBeGreaterThan(0);
	});

	it("describes the listed jobs, summary and all, and a job not finished yet", () => {
		const { report: _report, ...listed } = job(risky);
		const queued = { ...listed, state: "queued", startedAt: null, finishedAt: null, progress: 0, events: 0, summary: { pnl: null, fills: null } };
		expect(check("backtest.runs", [{ ...listed, summary: { pnl: risky.results[0].final.total, fills: risky.results[0].final.fills } }, queued])).toEqual([]);
		expect(check("backtest.runs", [{ ...queued, state: "paused" }]).join("; ")).toContain("must be equal to one of the allowed values");
	});
});
