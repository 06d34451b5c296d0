import { collectRoutes } from "../../../lib/api/routes";
import { buildOpenApiDocument } from "../../../lib/openapi/document";
import { ACTION_RESPONSES, RESPONSE_SCHEMAS, acceptedResponseOf } from "../../../lib/openapi/responses";
import type { RouteDescriptor, SchemaObject } from "../../../lib/openapi/types";
import { pendingAnswer } from "../../../lib/wallet/wait-budget";
import { OpenApiValidator } from "../../support/openapi-validator";
import { checkOpenApi30 } from "./oas-check";

const INFO = { title: "t", version: "1" };
const refsIn = (value: unknown): string[] => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]);

describe("response schemas", () => {
	it("every $ref of the library resolves inside it, and every component is used", () => {
		const unresolved = refsIn([ACTION_RESPONSES, RESPONSE_SCHEMAS]).filter((name) => RESPONSE_SCHEMAS[name] === undefined);
		expect(unresolved).toEqual([]);
		const used = new Set(refsIn([ACTION_RESPONSES, RESPONSE_SCHEMAS, acceptedResponseOf("dex.swap")]));
		expect(Object.keys(RESPONSE_SCHEMAS).filter((name) => !used.has(name))).toEqual([]);
	});

	it("a document of every described action is valid OpenAPI 3.0, every 200 typed", () => {
		const routes: RouteDescriptor[] = Object.keys(ACTION_RESPONSES).map((action) => ({
			method: "POST",
			path: `/api/v1/${action.replace(/\./g, "/")}`,
			action,
			auth: true,
			response: ACTION_RESPONSES[action],
			accepted: acceptedResponseOf(action),
		}));
		const doc = buildOpenApiDocument(routes, INFO);
		expect(checkOpenApi30(doc)).toEqual([]);
		for (const item of Object.values(doc.paths)) {
			const schema = (item.post?.responses["200"] as { content: Record<string, { schema: SchemaObject }> }).content["application/json"].schema;
			expect(Object.keys(schema).length).toBeGreaterThan(0);
		}
		expect(Object.keys(doc.components.schemas).sort()).toEqual(["Error", "ValidationError", ...Object.keys(RESPONSE_SCHEMAS)].sort());
	});

	it("puts the route's schema on 200, a 202 for transaction routes, and only the components referenced", () => {
		const library: Record<string, SchemaObject> = {
			Thing: { type: "object", properties: { part: { $ref: "#/components/schemas/Part" } } },
			Part: { type: "string" },
			Unused: { type: "number" },
		};
		const doc = buildOpenApiDocument(
			[
				{ method: "GET", path: "/things", action: "things.list", auth: false, response: { type: "array", items: { $ref: "#/components/schemas/Thing" } } },
				{ method: "POST", path: "/swap", action: "dex.swap", auth: true, response: { type: "object" }, accepted: { $ref: "#/components/schemas/Part" } },
			],
			INFO,
			library,
		);
		expect(doc.paths["/things"].get?.responses["200"]).toEqual({
			description: "Success.",
			content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Thing" } } } },
		});
		expect(doc.paths["/swap"].post?.responses["202"]).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/Part" } } } });
		expect(doc.paths["/things"].get?.responses["202"]).toBeUndefined();
		expect(Object.keys(doc.components.schemas)).toEqual(["Error", "ValidationError", "Part", "Thing"]);
		expect(checkOpenApi30(doc)).toEqual([]);
	});

	it("collectRoutes attaches the library's schema, an action's own `response` winning", () => {
		const own: SchemaObject = { type: "object", properties: { mine: { type: "boolean" } } };
		const aliases = [
			{ method: "GET", fullPath: "/api/v1/config", action: "config.kinds" },
			{ method: "GET", fullPath: "/api/v1/health", action: "api.health" },
			{ method: "GET", fullPath: "/api/v1/new", action: "new.thing" },
			{ method: "POST", fullPath: "/api/v1/dex/swap", action: "dex.swap" },
		];
		const actions = [
			{ name: "config.kinds", action: {} },
			{ name: "api.health", action: { auth: false, response: own } },
			{ name: "new.thing", action: {} },
			{ name: "dex.swap", action: { role: "trader" as const } },
		];
		const routes = collectRoutes(aliases, actions);
		expect(routes[0].response).toBe(ACTION_RESPONSES["config.kinds"]);
		expect(routes[1].response).toBe(own);
		expect(routes[2].response).toBeUndefined();
		expect(routes[3].accepted).toEqual({ $ref: "#/components/schemas/PendingTransaction" });
		expect(routes[0].accepted).toBeUndefined();
		// Undescribed routes still get a 200, marked as not described (the integration test refuses them).
		const doc = buildOpenApiDocument(routes, INFO);
		expect(doc.paths["/api/v1/new"].get?.responses["200"]).toEqual({
			description: "Success: the action's result as JSON (not described).",
			content: { "application/json": { schema: {} } },
		});
	});
});

describe("PendingTransaction (the 202 of transaction routes)", () => {
	it("describes wallet-budget's pendingAnswer exactly, with a swap's bounds too", () => {
		const doc = buildOpenApiDocument([{ method: "POST", path: "/swap", action: "dex.swap", auth: true, response: { type: "object" }, accepted: acceptedResponseOf("dex.swap") }], INFO);
		const validator = new OpenApiValidator(doc as never);
		const answer = pendingAnswer({ hash: `0x${"ab".repeat(32)}`, from: "0x00000000000000000000000000000000000000fa", nonce: 7, status: "pending" }, "swap");
		const bounds = { quoteId: "q-1", slippageBps: 50, deadline: 1_800_000_000, amountOutMinimum: "2.5", amountOutMinimumBaseUnits: "2500000" };
		expect(validator.check("POST", "/swap", 202, answer).problems).toEqual([]);
		expect(validator.check("POST", "/swap", 202, { ...answer, ...bounds }).problems).toEqual([]);
		expect(validator.check("POST", "/swap", 202, { ...answer, nonce: "7" }).problems).toEqual(["/nonce must be number"]);
		expect(validator.check("POST", "/swap", 202, { ...answer, surprise: 1 }).problems).toEqual(["/ must NOT have additional properties (surprise)"]);
	});
});
