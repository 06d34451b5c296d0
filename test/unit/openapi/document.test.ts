import { buildOpenApiDocument } from "../../../lib/openapi/document";
import { RouteDescriptor } from "../../../lib/openapi/types";
import { checkOpenApi30 } from "./oas-check";

const INFO = { title: "mmesh API", version: "1.2.3", description: "Gateway" };

const ERR = (name: string): { $ref: string } => ({ $ref: `#/components/responses/${name}` });
const OK = { description: "Success: the action's result as JSON (not described).", content: { "application/json": { schema: {} } } };

const ROUTES: RouteDescriptor[] = [
	{
		method: "GET",
		path: "/api/v1/config/:kind/:version",
		action: "config.get",
		summary: "Read one config version",
		description: "Returns a stored document.",
		params: {
			kind: { type: "enum", values: ["markets", "strategies"], description: "Document kind" },
			version: "number|integer|positive|convert",
			include: "string|optional",
			filter: { type: "object", optional: true, props: { venue: "string" } },
		},
		auth: true,
		roles: ["admin", "viewer"],
	},
	{
		method: "POST",
		path: "/api/v1/config/:kind",
		action: "config.save",
		params: { $$strict: true, kind: "string", document: "object", comment: "string|optional|max:200" },
		auth: true,
		roles: ["admin"],
	},
	{ method: "PUT", path: "/api/v1/config/:kind", action: "config.save", params: { kind: "string", document: "object" }, auth: true, roles: ["admin"] },
	{
		method: "GET",
		path: "/api/v1/items{/:id}",
		action: "items.find",
		params: { id: "string|optional", limit: "number|integer|min:1|max:100|default:50|convert" },
		auth: false,
	},
	{ method: "POST", path: "/api/v1/auth/login", action: "auth.login", summary: "Log in", params: { username: "string", password: "string|min:8" }, auth: false },
	{ method: "GET", path: "/api/v1/health", action: "monitoring.health", auth: false, tags: ["ops"] },
	{ method: "GET", path: "/api/v1/health", action: "other.health", auth: false },
	{ method: "DELETE", path: "/api/v1/orders/:id", action: "v1.cex.cancelOrder", params: { id: "string", venue: "string|optional" }, auth: true },
	{ method: "DELETE", path: "/api/v1/config/:name/:rev", action: "config.remove", params: { name: "string", rev: "number|convert" }, auth: true, roles: [] },
];

describe("buildOpenApiDocument", () => {
	const doc = buildOpenApiDocument(ROUTES, INFO);

	it("produces a structurally valid OpenAPI 3.0.3 document", () => {
		expect(doc.openapi).toBe("3.0.3");
		expect(checkOpenApi30(doc)).toEqual([]);
		expect(checkOpenApi30(JSON.parse(JSON.stringify(doc)))).toEqual([]);
	});

	it("lists paths sorted, optional segments expanded, same-shape templates merged", () => {
		expect(Object.keys(doc.paths)).toEqual([
			"/api/v1/auth/login",
			"/api/v1/config/{kind}",
			"/api/v1/config/{kind}/{version}",
			"/api/v1/health",
			"/api/v1/items",
			"/api/v1/items/{id}",
			"/api/v1/orders/{id}",
		]);
		expect(Object.keys(doc.paths["/api/v1/config/{kind}"])).toEqual(["put", "post"]);
		expect(Object.keys(doc.paths["/api/v1/config/{kind}/{version}"])).toEqual(["get", "delete"]);
	});

	it("puts path params in the path and the rest in the query for GET, with roles and security", () => {
		expect(doc.paths["/api/v1/config/{kind}/{version}"].get).toEqual({
			operationId: "config.get",
			tags: ["config"],
			summary: "Read one config version",
			description: "Returns a stored document.\n\nRequires a bearer token with one of the roles: admin, viewer.",
			parameters: [
				{ name: "kind", in: "path", required: true, description: "Document kind", schema: { type: "string", enum: ["markets", "strategies"] } },
				{ name: "version", in: "path", required: true, schema: { type: "integer", minimum: 0, exclusiveMinimum: true } },
				{ name: "include", in: "query", required: false, schema: { type: "string" } },
				{
					name: "filter",
					in: "query",
					required: false,
					style: "deepObject",
					explode: true,
					schema: { type: "object", required: ["venue"], properties: { venue: { type: "string" } } },
				},
			],
			responses: {
				"200": OK,
				"400": ERR("BadRequest"),
				"401": ERR("Unauthorized"),
				"403": ERR("Forbidden"),
				"404": ERR("NotFound"),
				"422": ERR("ValidationError"),
				"429": ERR("TooManyRequests"),
				"500": ERR("InternalError"),
				"503": ERR("ServiceUnavailable"),
				"504": ERR("Timeout"),
			},
			security: [{ bearerAuth: [] }],
			"x-roles": ["admin", "viewer"],
		});
	});

	it("puts the non-path params of POST in a JSON body, keeping $$strict", () => {
		expect(doc.paths["/api/v1/config/{kind}"].post).toEqual({
			operationId: "config.save",
			tags: ["config"],
			description: "Requires a bearer token with one of the roles: admin.",
			parameters: [{ name: "kind", in: "path", required: true, schema: { type: "string" } }],
			requestBody: {
				required: true,
				content: {
					"application/json": {
						schema: {
							type: "object",
							properties: { document: { type: "object" }, comment: { type: "string", maxLength: 200 } },
							required: ["document"],
							additionalProperties: false,
						},
					},
				},
			},
			responses: {
				"200": OK,
				"400": ERR("BadRequest"),
				"401": ERR("Unauthorized"),
				"403": ERR("Forbidden"),
				"404": ERR("NotFound"),
				"409": ERR("Conflict"),
				"413": ERR("PayloadTooLarge"),
				"422": ERR("ValidationError"),
				"429": ERR("TooManyRequests"),
				"500": ERR("InternalError"),
				"503": ERR("ServiceUnavailable"),
				"504": ERR("Timeout"),
			},
			security: [{ bearerAuth: [] }],
			"x-roles": ["admin"],
		});
	});

	it("gives one action behind two routes distinct operationIds", () => {
		expect(doc.paths["/api/v1/config/{kind}"].put?.operationId).toBe("config.save_put");
		const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
		expect(ids.sort()).toEqual([
			"auth.login",
			"config.get",
			"config.remove",
			"config.save",
			"config.save_put",
			"items.find",
			"items.find__without_id",
			"monitoring.health",
			"v1.cex.cancelOrder",
		]);
	});

	it("documents an optional segment as two paths; the short one has no path param", () => {
		const query = { name: "limit", in: "query", required: false, schema: { type: "integer", minimum: 1, maximum: 100, default: 50 } };
		const responses = {
			"200": OK,
			"400": ERR("BadRequest"),
			"404": ERR("NotFound"),
			"422": ERR("ValidationError"),
			"429": ERR("TooManyRequests"),
			"500": ERR("InternalError"),
			"503": ERR("ServiceUnavailable"),
			"504": ERR("Timeout"),
		};
		expect(doc.paths["/api/v1/items/{id}"].get).toEqual({
			operationId: "items.find",
			tags: ["items"],
			parameters: [{ name: "id", in: "path", required: true, schema: { type: "string" } }, query],
			responses,
			security: [],
		});
		expect(doc.paths["/api/v1/items"].get).toEqual({
			operationId: "items.find__without_id",
			tags: ["items"],
			description: "Form of `GET /api/v1/items/{id}` without its optional part (`id`).",
			parameters: [query],
			responses,
			security: [],
		});
	});

	it("public routes have empty security and no 403, 401 only with a body; routes without params have no 422", () => {
		expect(doc.paths["/api/v1/auth/login"].post).toEqual({
			operationId: "auth.login",
			tags: ["auth"],
			summary: "Log in",
			requestBody: {
				required: true,
				content: {
					"application/json": {
						schema: {
							type: "object",
							properties: { username: { type: "string" }, password: { type: "string", minLength: 8 } },
							required: ["username", "password"],
						},
					},
				},
			},
			responses: {
				"200": OK,
				"400": ERR("BadRequest"),
				"401": ERR("Unauthorized"),
				"404": ERR("NotFound"),
				"409": ERR("Conflict"),
				"413": ERR("PayloadTooLarge"),
				"422": ERR("ValidationError"),
				"429": ERR("TooManyRequests"),
				"500": ERR("InternalError"),
				"503": ERR("ServiceUnavailable"),
				"504": ERR("Timeout"),
			},
			security: [],
		});
		expect(doc.paths["/api/v1/health"].get).toEqual({
			operationId: "monitoring.health",
			tags: ["ops"],
			responses: { "200": OK, "400": ERR("BadRequest"), "404": ERR("NotFound"), "429": ERR("TooManyRequests"), "500": ERR("InternalError"), "503": ERR("ServiceUnavailable"), "504": ERR("Timeout") },
			security: [],
		});
	});

	it("auth without roles: bearer security, no x-roles; tag from a versioned service name", () => {
		expect(doc.paths["/api/v1/orders/{id}"].delete).toEqual({
			operationId: "v1.cex.cancelOrder",
			tags: ["v1.cex"],
			description: "Requires a bearer token.",
			parameters: [
				{ name: "id", in: "path", required: true, schema: { type: "string" } },
				{ name: "venue", in: "query", required: false, schema: { type: "string" } },
			],
			responses: {
				"200": OK,
				"400": ERR("BadRequest"),
				"401": ERR("Unauthorized"),
				"403": ERR("Forbidden"),
				"404": ERR("NotFound"),
				"409": ERR("Conflict"),
				"422": ERR("ValidationError"),
				"429": ERR("TooManyRequests"),
				"500": ERR("InternalError"),
				"503": ERR("ServiceUnavailable"),
				"504": ERR("Timeout"),
			},
			security: [{ bearerAuth: [] }],
		});
	});

	it("names path params of a same-shape route after the first route, noting the action's names", () => {
		expect(doc.paths["/api/v1/config/{kind}/{version}"].delete?.parameters).toEqual([
			{ name: "kind", in: "path", required: true, description: "The action receives it as `name`.", schema: { type: "string" } },
			{ name: "version", in: "path", required: true, description: "The action receives it as `rev`.", schema: { type: "number" } },
		]);
	});

	it("declares tags, the Error schema, error responses and the bearer scheme", () => {
		expect(doc.info).toEqual(INFO);
		expect(doc.tags).toEqual([{ name: "auth" }, { name: "config" }, { name: "items" }, { name: "ops" }, { name: "v1.cex" }]);
		expect(Object.keys(doc.components.schemas)).toEqual(["Error", "ValidationError"]);
		expect(doc.components.schemas.ValidationError.properties?.error.properties?.code).toEqual({ type: "string", enum: ["VALIDATION_ERROR"] });
		expect({ Error: doc.components.schemas.Error }).toEqual({
			Error: {
				type: "object",
				required: ["error"],
				properties: {
					error: {
						type: "object",
						required: ["code", "message"],
						properties: {
							code: { type: "string", description: "Machine-readable error type, e.g. VALIDATION_ERROR." },
							message: { type: "string", description: "Human-readable message." },
							data: { description: "Details, e.g. the failing fields of a validation error." },
						},
					},
				},
			},
		});
		expect(Object.keys(doc.components.responses)).toEqual([
			"BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "PayloadTooLarge", "ValidationError", "TooManyRequests", "InternalError",
			"ServiceUnavailable", "Timeout",
		]);
		expect(doc.components.responses.ValidationError).toEqual({
			description: "A parameter failed validation; `error.data` lists the fields.",
			content: { "application/json": { schema: { $ref: "#/components/schemas/ValidationError" } } },
		});
		expect(doc.components.responses.TooManyRequests.headers?.["Retry-After"].schema).toEqual({ type: "integer", minimum: 1 });
		expect(doc.components.securitySchemes).toEqual({
			bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "JWT or API token issued by the auth service." },
		});
	});
});

describe("buildOpenApiDocument edge cases", () => {
	it("a $$root non-object params schema is the whole body of a write route", () => {
		const doc = buildOpenApiDocument(
			[{ method: "PATCH", path: "/notes", action: "notes.append", params: { $$root: true, type: "string", min: 1 }, auth: false }],
			INFO,
		);
		expect(doc.paths["/notes"].patch?.requestBody).toEqual({ required: true, content: { "application/json": { schema: { type: "string", minLength: 1 } } } });
		expect(checkOpenApi30(doc)).toEqual([]);
	});

	it("an empty route list is still a valid document", () => {
		const doc = buildOpenApiDocument([], { title: "t", version: "0" });
		expect(doc.paths).toEqual({});
		expect(doc.tags).toEqual([]);
		expect(checkOpenApi30(doc)).toEqual([]);
	});

	it("a wildcard path param and unknown rule types stay valid", () => {
		const doc = buildOpenApiDocument(
			[{ method: "GET", path: "/files/*path", action: "files.read", params: { path: "string", sig: "ethSignature" }, auth: true, roles: ["trader"] }],
			INFO,
		);
		expect(doc.paths["/files/{path}"].get?.parameters).toEqual([
			{ name: "path", in: "path", required: true, description: "Matches one or more path segments ('/' allowed).", schema: { type: "string" } },
			{ name: "sig", in: "query", required: true, schema: { "x-fastest-validator-type": "ethSignature" } },
		]);
		expect(checkOpenApi30(doc)).toEqual([]);
	});

	it("a path param the action does not declare is a string", () => {
		const doc = buildOpenApiDocument([{ method: "GET", path: "/x/:id", action: "x.get", auth: false }], INFO);
		expect(doc.paths["/x/{id}"].get?.parameters).toEqual([{ name: "id", in: "path", required: true, schema: { type: "string" } }]);
		expect(doc.paths["/x/{id}"].get?.responses["422"]).toBeUndefined();
	});
});
