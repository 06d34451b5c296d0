import { readFileSync } from "node:fs";
import path from "node:path";
import { API_TYPES_FILE, libraryTypeScript, schemaToType, toTypeScript } from "../../../lib/openapi/to-typescript";

describe("OpenAPI schemas → TypeScript", () => {
	it("types refs, nullables, enums, unions, arrays and objects", () => {
		expect(schemaToType({ $ref: "#/components/schemas/Order" })).toBe("Order");
		expect(schemaToType({ $ref: "#/components/schemas/Error" })).toBe("ErrorBody");
		expect(schemaToType({ allOf: [{ $ref: "#/components/schemas/Fill" }], nullable: true })).toBe("Fill | null");
		expect(schemaToType({ type: "string", enum: ["buy", "sell"], nullable: true })).toBe('("buy" | "sell") | null');
		expect(schemaToType({ type: "array", items: { anyOf: [{ type: "string" }, { type: "integer" }] } })).toBe("Array<string | number>");
		expect(schemaToType({ type: "object", additionalProperties: { type: "string" } })).toBe("Record<string, string>");
		expect(schemaToType({})).toBe("unknown");
		expect(
			schemaToType({ type: "object", description: "x", properties: { id: { type: "string", description: "The id." }, n: { type: "number" } }, required: ["id"] }),
		).toBe("{\n\t/** The id. */\n\tid: string;\n\tn?: number;\n}");
	});

	it("declares components, ActionResponses and RouteResponses", () => {
		const text = toTypeScript({
			header: "test",
			components: { Thing: { type: "object", properties: { a: { type: "boolean" } }, required: ["a"] }, Side: { type: "string", enum: ["buy", "sell"] } },
			actions: { "things.get": { $ref: "#/components/schemas/Thing" } },
			paths: {
				"/things": {
					get: {
						operationId: "things.get",
						tags: [],
						security: [],
						responses: { "200": { description: "ok", content: { "application/json": { schema: { type: "array", items: { $ref: "#/components/schemas/Thing" } } } } } },
					},
				},
			},
		});
		expect(text).toContain("export type Side = \"buy\" | \"sell\";");
		expect(text).toContain("export interface Thing {\n\ta: boolean;\n}");
		expect(text).toContain('export interface ActionResponses {\n\t"things.get": Thing;\n}');
		expect(text).toContain('export interface RouteResponses {\n\t"GET /things": Thing[];\n}');
	});

	it(`${API_TYPES_FILE} is what npm run openapi:types writes from lib/openapi/responses`, () => {
		const committed = readFileSync(path.join(__dirname, "..", "..", "..", API_TYPES_FILE), "utf8");
		// When this fails: npm run openapi:types, and commit the file.
		expect(committed).toBe(libraryTypeScript());
	});
});
