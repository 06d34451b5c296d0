/**
 * The OpenAPI document's response schemas against the real answers of the embedded system (every
 * service as `npm start` runs them: SQLite, the local chain, the paper exchange, the demo bot
 * quoting and filling), as admin through the
 * gateway: every GET route without path params, the GET routes with path params filled from what
 * the system holds, and a set of writes (orders, config, tokens, users, keys, a chain transfer,
 * pause/resume, kill switch, a small backtest run). Each answer is checked with ajv against the operation's schema for
 * its status, in strict mode (an undocumented property fails too), so a schema that lies fails.
 */
import fs from "node:fs";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import ts from "typescript";
import { main as writeApiTypes } from "../../bin/openapi-types";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { ADDRESSES, startFakeSubgraph, uniswapFixtures, type FakeSubgraph } from "../support/fake-subgraph";
import { http, startGateway } from "../support/http";
import { settledOpenApiDoc } from "../support/openapi-doc";
import { OpenApiValidator } from "../support/openapi-validator";
import { checkOpenApi30 } from "../unit/openapi/oas-check";

jest.setTimeout(180_000);

type Operation = { operationId: string; responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }> };
type Doc = { paths: Record<string, Record<string, Operation>>; tags: Array<{ name: string }>; components: { schemas: Record<string, never>; responses: Record<string, never> } };

interface Call {
	method: string;
	/** The document's path template. */
	template: string;
	params?: Record<string, string>;
	query?: Record<string, string>;
	body?: unknown;
	/** The call must succeed (2xx), so its success schema is what gets checked. Default true. */
	mustSucceed?: boolean;
}

interface Answer {
	status: number;
	body: any;
}

function operationsOf(doc: Doc): Array<{ method: string; template: string; op: Operation }> {
	return Object.entries(doc.paths).flatMap(([template, item]) => Object.entries(item).map(([method, op]) => ({ method: method.toUpperCase(), template, op })));
}

describe("OpenAPI response schemas", () => {
	let env: ReturnType<typeof testEnv>;
	let subgraph: FakeSubgraph;
	let broker: ServiceBroker;
	let base: string;
	let token: string;
	let doc: Doc;

	beforeAll(async () => {
		// The Graph's gateway, stood in for on 127.0.0.1 (the real service and its HTTP client).
		subgraph = await startFakeSubgraph({ fixtures: uniswapFixtures() });
		env = testEnv({
			SERVICES: "all",
			RATE_LIMIT_PER_MINUTE: "1000000",
			MAINTENANCE_CRON: "off",
			MASTER_KEY: "openapi test master key for the keystore",
			DEMO_BOT: "on",
			SUBGRAPH_URL: subgraph.endpoint,
			SUBGRAPH_API_KEY: subgraph.apiKey,
		});
		// Replay files of the node's own for the backtest service: the sample's first 2000 lines, and one with no events.
		fs.mkdirSync(path.join(env.dataDir, "backtest"), { recursive: true });
		const sample = fs.readFileSync(path.resolve(__dirname, "../../samples/btc-usdt-1h.jsonl"), "utf8").split("\n").slice(0, 2000).join("\n") + "\n";
		fs.writeFileSync(path.join(env.dataDir, "backtest", "oa-first-2000.jsonl"), sample);
		fs.writeFileSync(path.join(env.dataDir, "backtest", "oa-empty.jsonl"), "# no events\n");
		broker = createNode(env, { logger: false });
		({ base, token } = await startGateway(broker));
		doc = await settledOpenApiDoc<Doc>(base);
	});

	afterAll(async () => {
		await broker?.stop();
		await subgraph?.close();
		env?.cleanup();
	});

	it("gives every operation a non-empty success body schema, and stays a valid OpenAPI 3.0 document", () => {
		const undescribed = operationsOf(doc)
			.filter(({ op }) => {
				const schema = op.responses["200"]?.content?.["application/json"]?.schema;
				return schema === undefined || Object.keys(schema).length === 0;
			})
			.map(({ method, template, op }) => `${method} ${template} (${op.operationId})`);
		expect(operationsOf(doc).length).toBeGreaterThanOrEqual(95);
		expect(undescribed).toEqual([]);
		expect(checkOpenApi30(doc)).toEqual([]);
	});

	it("matches the real answers of the embedded system, success and error bodies alike", async () => {
		const validator = new OpenApiValidator(doc as never);
		const failures: string[] = [];
		const exercised = new Set<string>();
		const nonEmpty = new Set<string>();
		let checkedSuccess = 0;
		const call = async (c: Call): Promise<Answer> => {
			const path = c.template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(c.params?.[name] ?? `missing-${name}`));
			const query = c.query ? `?${new URLSearchParams(c.query).toString()}` : "";
			const res = await http(base, c.method, path + query, { token, ...(c.body !== undefined ? { body: c.body } : {}) });
			const label = `${c.method} ${path}${query} → ${res.status}`;
			const { problems, success } = validator.check(c.method, c.template, res.status, res.body);
			if (problems.length > 0) failures.push(`${label}: ${problems.join("; ")}\n    body: ${JSON.stringify(res.body).slice(0, 300)}`);
			if ((c.mustSucceed ?? true) && !success) failures.push(`${label}: expected a success, got ${JSON.stringify(res.body).slice(0, 300)}`);
			if (success) checkedSuccess++;
			if (success && !(Array.isArray(res.body) && res.body.length === 0)) nonEmpty.add(`${c.method} ${c.template}`);
			exercised.add(`${c.method} ${c.template}`);
			return { status: res.status, body: res.body };
		};

		// Every GET route without path params (those needing query params get them below); again after the writes.
		const needsQuery = (op: Operation & { parameters?: Array<{ in: string; required: boolean }> }) => (op.parameters ?? []).some((p) => p.in === "query" && p.required);
		const sweep = async () => {
			for (const { method, template, op } of operationsOf(doc)) {
				if (method !== "GET" || template.includes("{") || needsQuery(op)) continue;
				await call({ method, template });
			}
		};
		await sweep();

		// What the system holds, for path and query params.
		const accounts = (await call({ method: "GET", template: "/api/v1/wallet/accounts" })).body.accounts as Array<{ address: string; label: string }>;
		const [dev1, dev2] = [accounts.find((a) => a.label === "dev-1")!.address, accounts.find((a) => a.label === "dev-2")!.address];
		const pools = (await call({ method: "GET", template: "/api/v1/dex/pools" })).body.pools as Array<{ address: string; protocol: string }>;
		const v3Pool = pools.find((p) => p.protocol === "uniswap-v3")!.address;
		const status = (await call({ method: "GET", template: "/api/v1/mm/status" })).body as { bots: Array<{ name: string }> };
		const bot = status.bots[0].name;
		// The demo bot quotes the paper market: wait for a fill, so fills, PnL and the ledger are not empty.
		for (const deadline = Date.now() + 30_000; ; ) {
			const fills = await http(base, "GET", `/api/v1/mm/bots/${bot}/fills`, { token });
			if (Array.isArray(fills.body) && fills.body.length > 0) break;
			if (Date.now() > deadline) throw new Error(`the demo bot made no fill within 30 s: ${JSON.stringify(fills.body).slice(0, 200)}`);
			await new Promise((r) => setTimeout(r, 250));
		}
		const paper = { exchange: "paper", base: "BTC", quote: "USDT" };
		// A paper ETH market: its price values gas for arbitrage's DEX legs.
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: { kind: "markets", name: "oa-eth-usdt" }, body: { body: { venue: "paper", kind: "cex", symbol: "ETH/USDT" } } });

		// GET routes with path or required query params.
		await call({ method: "GET", template: "/api/v1/wallet/balance", query: { account: dev1 } });
		await call({ method: "GET", template: "/api/v1/wallet/balance", query: { account: dev1, token: "USDC" } });
		await call({ method: "GET", template: "/api/v1/wallet/allowance", query: { account: dev1, token: "USDC", spender: dev2 } });
		await call({ method: "GET", template: "/api/v1/liquidity/v3/positions", query: { account: dev1 } });
		await call({ method: "GET", template: "/api/v1/dex/pools/{pool}", params: { pool: v3Pool } });
		await call({ method: "GET", template: "/api/v1/dex-price-feed/latest/{pool}", params: { pool: v3Pool } });
		await call({ method: "GET", template: "/api/v1/cex-price-feed/latest/{exchange}/{base}/{quote}", params: { exchange: "paper", base: "BTC", quote: "USDT" } });
		await call({ method: "GET", template: "/api/v1/config/{kind}", params: { kind: "markets" } });
		await call({ method: "GET", template: "/api/v1/config/{kind}/{name}", params: { kind: "strategies", name: bot } });
		await call({ method: "GET", template: "/api/v1/config/{kind}/{name}/history", params: { kind: "strategies", name: bot } });
		await call({ method: "GET", template: "/api/v1/mm/bots/{bot}/fills", params: { bot } });
		await call({ method: "GET", template: "/api/v1/mm/bots/{bot}/pnl", params: { bot } });
		await call({ method: "GET", template: "/api/v1/subgraph/pools/{pool}/days", params: { pool: ADDRESSES.USDC_WETH_005 } });
		await call({ method: "GET", template: "/api/v1/subgraph/tokens/{token}/price", params: { token: ADDRESSES.WETH } });
		for (const template of ["/api/v1/cex/{exchange}/balance", "/api/v1/cex/{exchange}/markets", "/api/v1/cex/{exchange}/ping", "/api/v1/cex/{exchange}/orders/open", "/api/v1/cex/{exchange}/trades"]) {
			await call({ method: "GET", template, params: paper });
		}
		for (const template of ["/api/v1/cex/{exchange}/book/{base}/{quote}", "/api/v1/cex/{exchange}/fees/{base}/{quote}", "/api/v1/cex/{exchange}/ticker/{base}/{quote}", "/api/v1/fee/{exchange}/{base}/{quote}"]) {
			await call({ method: "GET", template, params: paper });
		}

		// Writes: orders on the paper exchange.
		const order = { symbol: "BTC/USDT", side: "buy", type: "limit", amount: "0.001", price: "10000", clientOrderId: "oa-test-1" };
		await call({ method: "POST", template: "/api/v1/cex/{exchange}/orders", params: paper, body: order });
		await call({ method: "GET", template: "/api/v1/cex/{exchange}/orders/{clientOrderId}", params: { ...paper, clientOrderId: "oa-test-1" } });
		await call({
			method: "POST",
			template: "/api/v1/cex/{exchange}/orders/replace",
			params: paper,
			body: { symbol: "BTC/USDT", cancel: ["oa-test-1"], place: [{ ...order, symbol: undefined, clientOrderId: "oa-test-2" }] },
		});
		await call({ method: "DELETE", template: "/api/v1/cex/{exchange}/orders/{clientOrderId}", params: { ...paper, clientOrderId: "oa-test-2" } });
		await call({ method: "DELETE", template: "/api/v1/cex/{exchange}/orders", params: paper, body: { symbol: "BTC/USDT" } });
		await call({ method: "POST", template: "/api/v1/cex/{exchange}/cancel-all-after", params: paper, body: { timeoutMs: 0 } });
		await call({ method: "POST", template: "/api/v1/cex/{exchange}/reconcile", params: paper });
		await call({ method: "POST", template: "/api/v1/fee/estimate", body: { exchange: "paper", symbol: "BTC/USDT", side: "buy", amount: "0.01", price: "50000" } });

		// Config documents: write, roll back, remove.
		const market = { kind: "markets", name: "oa-eth" };
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: market, body: { body: { venue: "paper", kind: "cex", symbol: "ETH/USDT" } } });
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: market, body: { body: { venue: "paper", kind: "cex", symbol: "ETH/USDT", enabled: false } } });
		await call({ method: "POST", template: "/api/v1/config/{kind}/{name}/rollback", params: market, body: { version: 1 } });
		await call({ method: "DELETE", template: "/api/v1/config/{kind}/{name}", params: market });

		// Users, API tokens, keys.
		const user = (await call({ method: "POST", template: "/api/v1/auth/users", body: { username: "olivia", password: "viewer-password-1", role: "viewer" } })).body;
		await call({ method: "PATCH", template: "/api/v1/auth/users/{id}", params: { id: String(user.id) }, body: { role: "trader" } });
		await call({ method: "DELETE", template: "/api/v1/auth/users/{id}", params: { id: String(user.id) } });
		const apiToken = (await call({ method: "POST", template: "/api/v1/auth/tokens", body: { name: "openapi-test", role: "viewer" } })).body;
		await call({ method: "GET", template: "/api/v1/auth/tokens" });
		await call({ method: "DELETE", template: "/api/v1/auth/tokens/{id}", params: { id: String(apiToken.id) } });
		await call({ method: "POST", template: "/api/v1/keys", body: { id: "oa-key", kind: "cex", label: "test", payload: { exchange: "binance", apiKey: "k-123456", secret: "s-123456" } } });
		await call({ method: "GET", template: "/api/v1/keys" });
		await call({ method: "DELETE", template: "/api/v1/keys/{id}", params: { id: "oa-key" } });

		// The chain: a transfer, then its record.
		const tx = (await call({ method: "POST", template: "/api/v1/wallet/transfer", body: { account: dev1, to: dev2, amount: "0.001" } })).body;
		await call({ method: "GET", template: "/api/v1/wallet/tx/{hash}", params: { hash: tx.hash } });
		await call({ method: "GET", template: "/api/v1/wallet/tx/{hash}/status", params: { hash: tx.hash } });
		await call({ method: "GET", template: "/api/v1/wallet/txs", query: { account: dev1 } });
		await call({ method: "POST", template: "/api/v1/wallet/approve", body: { account: dev1, token: "USDC", spender: dev2, amount: "1" } });
		await call({ method: "POST", template: "/api/v1/dex/quote", body: { pool: v3Pool, tokenIn: "WETH", tokenOut: "USDC", amountIn: "0.01" } });
		await call({ method: "POST", template: "/api/v1/dex/swap", body: { pool: v3Pool, tokenIn: "WETH", tokenOut: "USDC", amountIn: "0.001", account: dev1, approve: true } });
		await call({
			method: "POST",
			template: "/api/v1/fee/route",
			body: {
				legs: [
					{ venue: "cex", exchange: "paper", symbol: "BTC/USDT", side: "buy", amount: "0.01", price: "50000", role: "taker" },
					{ venue: "dex", pool: v3Pool, feeTier: 3000, amountIn: "500", gasUnits: 150000, gasPriceWei: "1000000000", nativePriceInQuote: "3000" },
				],
			},
		});

		// Liquidity: a V2 add and remove; a V3 position through its whole life.
		const pair = { account: dev1, tokenA: "WETH", tokenB: "USDC" };
		const added = (await call({ method: "POST", template: "/api/v1/liquidity/v2/add", body: { ...pair, amountA: "0.01", amountB: "30", slippageBps: 5000 } })).body;
		await call({ method: "POST", template: "/api/v1/liquidity/v2/remove", body: { ...pair, liquidity: added.liquidity?.amount ?? "0", slippageBps: 5000 } });
		const minted = (await call({ method: "POST", template: "/api/v1/liquidity/v3/positions", body: { ...pair, fee: 3000, amountA: "0.01", amountB: "30", widthPct: 20, slippageBps: 5000 } })).body;
		const tokenId = String(minted.tokenId);
		await call({ method: "GET", template: "/api/v1/liquidity/v3/positions/{tokenId}", params: { tokenId } });
		await call({ method: "GET", template: "/api/v1/liquidity/v3/positions", query: { account: dev1 } });
		await call({ method: "PUT", template: "/api/v1/liquidity/policies/{tokenId}", params: { tokenId }, body: { widthPct: 20, enabled: false } });
		await call({ method: "GET", template: "/api/v1/liquidity/policies" });
		await call({ method: "POST", template: "/api/v1/liquidity/v3/positions/{tokenId}/increase", params: { tokenId }, body: { account: dev1, amount0: "0.001", amount1: "3", slippageBps: 5000 } });
		await call({ method: "POST", template: "/api/v1/liquidity/v3/positions/{tokenId}/decrease", params: { tokenId }, body: { account: dev1, percent: 50, slippageBps: 5000 } });
		await call({ method: "POST", template: "/api/v1/liquidity/v3/positions/{tokenId}/collect", params: { tokenId }, body: { account: dev1 } });
		await call({ method: "POST", template: "/api/v1/liquidity/v3/positions/{tokenId}/close", params: { tokenId }, body: { account: dev1, slippageBps: 5000 } });

		// Arbitrage: the paper BTC market against the WBTC V2 pool, its price pushed down by a large sale.
		const wbtcPool = pools.find((p) => p.protocol === "uniswap-v2" && (p as { base?: string }).base === "WBTC")!.address;
		await call({ method: "POST", template: "/api/v1/dex/swap", body: { pool: wbtcPool, tokenIn: "WBTC", tokenOut: "USDC", amountIn: "2", account: dev2, approve: true, slippageBps: 5000 } });
		const dexMarket = { venue: "uniswap-v2", kind: "dex", symbol: "WBTC/USDC", pool: wbtcPool, protocol: "uniswap-v2" };
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: { kind: "markets", name: "oa-wbtc" }, body: { body: dexMarket } });
		const markets = (await call({ method: "GET", template: "/api/v1/arbitrage/markets" })).body as unknown[];
		expect(markets.length).toBeGreaterThan(0);
		const found = (await call({ method: "POST", template: "/api/v1/arbitrage/scan", body: { symbol: "BTC/USD" } })).body as { opportunities: Array<{ id: string }> };
		expect(found.opportunities.length).toBeGreaterThan(0);
		await call({ method: "GET", template: "/api/v1/arbitrage/opportunities/{id}", params: { id: found.opportunities[0].id } });
		await call({ method: "POST", template: "/api/v1/arbitrage/execute/{id}", params: { id: found.opportunities[0].id } });
		await call({ method: "GET", template: "/api/v1/arbitrage/opportunities/{id}", params: { id: found.opportunities[0].id } });

		// A mined transaction cannot be sped up or cancelled: the error bodies.
		await call({ method: "POST", template: "/api/v1/wallet/tx/{hash}/speed-up", params: { hash: tx.hash }, mustSucceed: false });
		await call({ method: "POST", template: "/api/v1/wallet/tx/{hash}/cancel", params: { hash: tx.hash }, mustSucceed: false });

		// Operations: alerts, notification, arbitrage, maintenance, the bot.
		await call({ method: "POST", template: "/api/v1/alerting/test", body: { severity: "info", message: "openapi test" } });
		await call({ method: "POST", template: "/api/v1/notification/send", body: { text: "openapi test" }, mustSucceed: false });
		await call({ method: "POST", template: "/api/v1/arbitrage/scan", body: {} });
		await call({ method: "POST", template: "/api/v1/db-maintenance/vacuum" });
		await call({ method: "POST", template: "/api/v1/db-maintenance/retention", body: { days: 365 } });
		await call({ method: "POST", template: "/api/v1/db-maintenance/backup" });
		await call({ method: "POST", template: "/api/v1/db-maintenance/migrate", body: { service: "config", direction: "up" } });
		await call({ method: "POST", template: "/api/v1/mm/bots/{bot}/pause", params: { bot } });
		await call({ method: "POST", template: "/api/v1/mm/bots/{bot}/resume", params: { bot } });
		await call({ method: "POST", template: "/api/v1/mm/kill-switch", body: { reason: "openapi test" } });
		await call({ method: "GET", template: "/api/v1/mm/status" });
		// An event rule on config changes, then a change: a non-empty alerting.active.
		const rule = { source: "event", subject: "config.changed", severity: "info", cooldownMs: 600_000, message: "config {kind}/{name} changed" };
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: { kind: "alerts", name: "oa-config-changed" }, body: { body: rule } });
		for (const deadline = Date.now() + 10_000; ; ) {
			const rules = (await call({ method: "GET", template: "/api/v1/alerting/rules" })).body as { rules: Array<{ name: string }> };
			if (rules.rules.some((r) => r.name === "oa-config-changed")) break;
			if (Date.now() > deadline) throw new Error("the alert rule was not loaded");
			await new Promise((r) => setTimeout(r, 100));
		}
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: { kind: "markets", name: "oa-eth-usdt" }, body: { body: { venue: "paper", kind: "cex", symbol: "ETH/USDT" } } });
		for (const deadline = Date.now() + 10_000; ; ) {
			const active = await call({ method: "GET", template: "/api/v1/alerting/active" });
			if (Array.isArray(active.body) && active.body.length > 0) break;
			if (Date.now() > deadline) throw new Error("the alert rule did not fire");
			await new Promise((r) => setTimeout(r, 100));
		}
		await call({ method: "GET", template: "/api/v1/alerting/rules" });
		await call({ method: "POST", template: "/api/v1/mm/resume" });

		// Backtests: a small real run (its report checked in full), one that fails, one refused.
		const mmParams = { bidSpread: 0.0001, askSpread: 0.0001, orderAmount: "0.01", orderRefreshTimeMs: 1000 };
		const runs = "/api/v1/backtest/runs";
		const ran = (await call({ method: "POST", template: runs, body: { strategy: "pure_market_making", params: mmParams, dataset: "oa-first-2000.jsonl", queueModels: ["risk_averse", "none"] } })).body;
		const failing = (await call({ method: "POST", template: runs, body: { strategy: "pure_market_making", params: mmParams, dataset: "oa-empty.jsonl" } })).body;
		await call({ method: "POST", template: runs, body: { strategy: "pure_market_making", params: mmParams, dataset: "../mmesh.sqlite" }, mustSucceed: false });
		for (const deadline = Date.now() + 60_000; ; ) {
			const jobs = (await call({ method: "GET", template: runs })).body as Array<{ id: string; state: string }>;
			if ([ran.id, failing.id].every((id) => ["done", "failed"].includes(jobs.find((j) => j.id === id)?.state ?? ""))) break;
			if (Date.now() > deadline) throw new Error(`the backtests did not finish: ${JSON.stringify(jobs).slice(0, 300)}`);
			await new Promise((r) => setTimeout(r, 200));
		}
		const report = (await call({ method: "GET", template: `${runs}/{id}`, params: { id: ran.id } })).body;
		expect(report).toMatchObject({ state: "done", report: { engine: "stream" } });
		expect(report.report.results.map((r: { queueModel: string }) => r.queueModel)).toEqual(["risk_averse", "none"]);
		expect(report.report.results[0].fills.length).toBeGreaterThan(0);
		expect((await call({ method: "GET", template: `${runs}/{id}`, params: { id: failing.id } })).body).toMatchObject({ state: "failed", error: expect.any(String), report: null });
		await call({ method: "GET", template: `${runs}/{id}`, params: { id: "00000000-0000-4000-8000-000000000000" }, mustSucceed: false });

		await sweep();

		// Sessions: log in, refresh, log out, unlock, change the password (last: it ends the other sessions).
		const session = (await call({ method: "POST", template: "/api/v1/auth/login", body: { username: "admin", password: TEST_ADMIN_PASSWORD } })).body;
		const refreshed = (await call({ method: "POST", template: "/api/v1/auth/refresh", body: { refreshToken: session.refreshToken } })).body;
		await call({ method: "POST", template: "/api/v1/auth/logout", body: { refreshToken: refreshed.refreshToken } });
		await call({ method: "POST", template: "/api/v1/auth/unlock", body: { username: "admin" } });

		// Error bodies: not found, validation, conflict.
		await call({ method: "GET", template: "/api/v1/config/{kind}/{name}", params: { kind: "markets", name: "no-such-market" }, mustSucceed: false });
		await call({ method: "POST", template: "/api/v1/auth/users", body: { username: "x", password: "short" }, mustSucceed: false });
		await call({ method: "PUT", template: "/api/v1/config/{kind}/{name}", params: { kind: "strategies", name: bot }, body: { body: {}, expectedVersion: 999 }, mustSucceed: false });

		token = (await call({ method: "POST", template: "/api/v1/auth/password", body: { currentPassword: TEST_ADMIN_PASSWORD, newPassword: "a-new-admin-password-1" } })).body.accessToken;
		await call({ method: "GET", template: "/api/v1/auth/me" });

		// eslint-disable-next-line no-console
		const all = operationsOf(doc).map(({ method, template }) => `${method} ${template}`);
		const emptyOnly = [...exercised].filter((k) => !nonEmpty.has(k) && all.includes(k));
		console.log(
			`openapi responses: ${exercised.size} of ${all.length} operations called, ${checkedSuccess} success bodies checked, ${failures.length} failures\n` +
				`not called: ${all.filter((k) => !exercised.has(k)).join(", ")}\nonly errors or empty lists: ${emptyOnly.join(", ")}`,
		);
		expect(failures).toEqual([]);
	});

	it("types the live document's routes as TypeScript that compiles (npm run openapi:types -- --url)", async () => {
		const file = path.join(env.dataDir, "api-types.ts");
		await writeApiTypes(["--url", `${base}/api/openapi.json`, "--out", file]);
		const program = ts.createProgram([file], { strict: true, noEmit: true, types: [], target: ts.ScriptTarget.ES2022 });
		const problems = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
		expect(problems).toEqual([]);
		const text = ts.sys.readFile(file) ?? "";
		expect(text).toContain('"GET /api/v1/mm/status": {');
		expect(text).toContain("export interface Order {");
	});
});
