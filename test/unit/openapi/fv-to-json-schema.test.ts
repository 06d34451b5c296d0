import Validator from "fastest-validator";
import { fastestValidatorToJsonSchema } from "../../../lib/openapi/fv-to-json-schema";
import { parseShorthand } from "../../../lib/openapi/fv-rule";

/** Converts one field and returns its schema and whether it is required. */
function field(rule: unknown): { schema: unknown; required: boolean } {
	const out = fastestValidatorToJsonSchema({ f: rule });
	return { schema: out.properties?.f, required: (out.required ?? []).includes("f") };
}

describe("shorthand rules", () => {
	it.each([
		["string", { type: "string" }, true],
		["number|optional", { type: "number" }, false],
		["string|min:3|max:20", { type: "string", minLength: 3, maxLength: 20 }, true],
		["number|integer|positive", { type: "integer", minimum: 0, exclusiveMinimum: true }, true],
		["number|min:1|max:5|convert", { type: "number", minimum: 1, maximum: 5 }, true],
		["number|negative", { type: "number", maximum: 0, exclusiveMaximum: true }, true],
		["email", { type: "string", format: "email" }, true],
		["url|optional", { type: "string", format: "uri" }, false],
		["uuid", { type: "string", format: "uuid" }, true],
		["boolean|default:true", { type: "boolean", default: true }, false],
		["string|no-empty", { type: "string", minLength: 1 }, true],
		["string|numeric", { type: "string", pattern: "^-?[0-9]\\d*(\\.\\d+)?$" }, true],
		["string|length:42|hex", { type: "string", minLength: 42, maxLength: 42, pattern: "^[0-9a-fA-F]+$" }, true],
		["string[]|optional|min:1", { type: "array", items: { type: "string" }, minItems: 1 }, false],
		["date", { type: "string", format: "date-time" }, true],
		["any", {}, true],
		["string|nullable", { type: "string", nullable: true }, true],
	])("%s", (rule, schema, required) => {
		expect(field(rule)).toEqual({ schema, required });
	});

	it("parses modifiers exactly as fastest-validator does", () => {
		const fv = new Validator() as unknown as { parseShortHand(s: string): unknown };
		for (const text of ["string|min:3|max:20", "number | integer | positive", "string|no-empty|trim", "number[]|optional|max:4", "string|pattern:abc|default:false", "string|enum:x"]) {
			expect(parseShorthand(text)).toEqual(fv.parseShortHand(text));
		}
	});
});

describe("object rules", () => {
	it("maps every keyword of string, number and array rules", () => {
		expect(fastestValidatorToJsonSchema({
			symbol: { type: "string", min: 3, max: 10, pattern: /^[A-Z]+\/[A-Z]+$/, description: "Market symbol" },
			code: { type: "string", pattern: "^[a-z]+$", patternFlags: "i", label: "Code" },
			side: { type: "string", enum: ["buy", "sell"] },
			qty: { type: "number", positive: true, min: 0.5, max: 100, convert: true },
			level: { type: "number", integer: true, min: -3, negative: true, default: -1 },
			skew: { type: "number", equal: 1, notEqual: 2, optional: true },
			ids: { type: "array", items: "number|integer", min: 1, max: 10, unique: true, optional: true },
			pair: { type: "array", length: 2, items: { type: "string" }, enum: ["a", "b"] },
			tags: { type: "array", empty: false },
		})).toEqual({
			type: "object",
			properties: {
				symbol: { type: "string", minLength: 3, maxLength: 10, pattern: "^[A-Z]+\\/[A-Z]+$", description: "Market symbol" },
				code: { type: "string", pattern: "^[a-z]+$", "x-pattern-flags": "i", title: "Code" },
				side: { type: "string", enum: ["buy", "sell"] },
				qty: { type: "number", minimum: 0.5, maximum: 100 },
				level: { type: "integer", minimum: -3, maximum: 0, exclusiveMaximum: true, default: -1 },
				skew: { type: "number", enum: [1], not: { enum: [2] } },
				ids: { type: "array", items: { type: "integer" }, minItems: 1, maxItems: 10, uniqueItems: true },
				pair: { type: "array", items: { type: "string", enum: ["a", "b"] }, minItems: 2, maxItems: 2 },
				tags: { type: "array", items: {}, minItems: 1 },
			},
			required: ["symbol", "code", "side", "qty", "pair", "tags"],
		});
	});

	it("converts nested objects and arrays of objects, with strict", () => {
		expect(field({
			type: "object",
			strict: true,
			props: {
				name: "string",
				legs: {
					type: "array",
					items: { type: "object", properties: { venue: "string", weight: "number|optional" } },
				},
			},
		})).toEqual({
			required: true,
			schema: {
				type: "object",
				additionalProperties: false,
				required: ["name", "legs"],
				properties: {
					name: { type: "string" },
					legs: {
						type: "array",
						items: {
							type: "object",
							required: ["venue"],
							properties: { venue: { type: "string" }, weight: { type: "number" } },
						},
					},
				},
			},
		});
	});

	it("treats strict: 'remove' as allowing (and dropping) extra keys; minProps/maxProps kept", () => {
		expect(field({ type: "object", strict: "remove", minProps: 1, maxProps: 3, props: { a: "string|optional" } }).schema).toEqual({
			type: "object",
			properties: { a: { type: "string" } },
			minProperties: 1,
			maxProperties: 3,
		});
	});

	it("reads `$$type` objects as object rules whose other keys are props", () => {
		expect(field({ $$type: "object|optional", lat: "number", lng: "number" })).toEqual({
			required: false,
			schema: { type: "object", required: ["lat", "lng"], properties: { lat: { type: "number" }, lng: { type: "number" } } },
		});
	});

	it("maps enum values, inferring the type when all values share one", () => {
		expect(field({ type: "enum", values: ["pure", "avellaneda", "xemm"], default: "pure" })).toEqual({
			required: false,
			schema: { type: "string", enum: ["pure", "avellaneda", "xemm"], default: "pure" },
		});
		expect(field({ type: "enum", values: [1, "one"] }).schema).toEqual({ enum: [1, "one"] });
		expect(field({ type: "enum", values: [] }).schema).toEqual({ not: {}, "x-fastest-validator-type": "enum" });
		expect(field({ type: "equal", value: true }).schema).toEqual({ type: "boolean", enum: [true] });
		expect(field({ type: "equal", field: "password" }).schema).toEqual({ description: "Must equal the 'password' field." });
	});

	it("maps record, tuple, objectID, uuid version and $$description", () => {
		expect(fastestValidatorToJsonSchema({
			prices: { type: "record", key: "string", value: "number" },
			loose: { type: "record" },
			point: { type: "tuple", items: ["number", "number"] },
			oid: "objectID",
			id: { type: "uuid", version: 4, $$description: "Request id" },
		})).toEqual({
			type: "object",
			required: ["prices", "loose", "point", "oid", "id"],
			properties: {
				prices: { type: "object", additionalProperties: { type: "number" } },
				loose: { type: "object", additionalProperties: true },
				point: {
					type: "array",
					items: { anyOf: [{ type: "number" }, { type: "number" }] },
					minItems: 2,
					maxItems: 2,
					"x-fastest-validator-type": "tuple",
				},
				oid: { type: "string", pattern: "^[0-9a-fA-F]{24}$" },
				id: { type: "string", format: "uuid", "x-uuid-version": 4, description: "Request id" },
			},
		});
	});
});

describe("alternatives, custom and unknown rules", () => {
	it("turns an array of rules into anyOf, optional only when every alternative is", () => {
		expect(field(["string|numeric", "number|positive"])).toEqual({
			required: true,
			schema: { anyOf: [{ type: "string", pattern: "^-?[0-9]\\d*(\\.\\d+)?$" }, { type: "number", minimum: 0, exclusiveMinimum: true }] },
		});
		expect(field(["string|optional", "number|optional"]).required).toBe(false);
		expect(field(["string|optional", "number"]).required).toBe(true);
		expect(field({ type: "multi", rules: ["boolean", "string"], optional: true })).toEqual({
			required: false,
			schema: { anyOf: [{ type: "boolean" }, { type: "string" }] },
		});
	});

	it("describes custom checks and function rules instead of failing", () => {
		const check = (v: unknown): unknown => v;
		expect(field({ type: "custom", check, description: "Even number." }).schema).toEqual({
			description: "Even number. Checked by a custom validation function.",
		});
		expect(field(check).schema).toEqual({ description: "Checked by a custom validation function." });
		expect(field("function|optional")).toEqual({
			required: false,
			schema: { description: "A function value; it cannot be sent over HTTP." },
		});
		// A `custom` check beside a known type keeps the type.
		expect(field({ type: "number", custom: check }).schema).toEqual({ type: "number" });
	});

	it("marks unknown or missing types with x-fastest-validator-type", () => {
		expect(field("ethAddress|optional")).toEqual({ required: false, schema: { "x-fastest-validator-type": "ethAddress" } });
		expect(field({ min: 3 })).toEqual({ required: true, schema: { "x-fastest-validator-type": "unknown" } });
		expect(field(42)).toEqual({ required: true, schema: { "x-fastest-validator-type": "unknown" } });
		expect(field("mac").schema).toEqual({ type: "string", "x-fastest-validator-type": "mac" });
	});

	it("never requires a forbidden field and says it must be absent", () => {
		expect(field("forbidden")).toEqual({ required: false, schema: { not: {} } });
	});
});

describe("schema-level keys", () => {
	it("$$strict: true forbids extra keys; $$async and other $$ keys are ignored", () => {
		expect(fastestValidatorToJsonSchema({ $$strict: true, $$async: true, a: "string" })).toEqual({
			type: "object",
			properties: { a: { type: "string" } },
			required: ["a"],
			additionalProperties: false,
		});
		expect(fastestValidatorToJsonSchema({ $$strict: "remove", a: "string|optional" })).toEqual({
			type: "object",
			properties: { a: { type: "string" } },
		});
	});

	it("$$root: true converts the schema itself as one rule", () => {
		expect(fastestValidatorToJsonSchema({ $$root: true, type: "string", min: 2 })).toEqual({ type: "string", minLength: 2 });
		expect(fastestValidatorToJsonSchema({ $$root: true, type: "object", props: { a: "number" } })).toEqual({
			type: "object",
			required: ["a"],
			properties: { a: { type: "number" } },
		});
	});

	it("an empty schema is an object with no properties", () => {
		expect(fastestValidatorToJsonSchema({})).toEqual({ type: "object", properties: {} });
	});

	it("does not mutate the caller's schema", () => {
		const schema = { a: "string|optional", b: { type: "array", items: { type: "object", props: { c: "number" } } }, d: ["string", "number"] };
		const copy = structuredClone(schema);
		fastestValidatorToJsonSchema(schema);
		expect(schema).toEqual(copy);
	});

	it("serialises Date defaults and drops function defaults (the field stays optional)", () => {
		expect(fastestValidatorToJsonSchema({
			since: { type: "date", default: new Date(Date.UTC(2026, 0, 2)) },
			now: { type: "number", default: (): number => 1 },
		})).toEqual({
			type: "object",
			properties: { since: { type: "string", format: "date-time", default: "2026-01-02T00:00:00.000Z" }, now: { type: "number" } },
		});
	});
});

describe("required agrees with fastest-validator", () => {
	const rules: unknown[] = [
		"string", "string|optional", "number|default:3", { type: "number", optional: true }, { type: "string", default: "x" },
		["string", "number"], ["string|optional", "number|optional"], "forbidden", "string|nullable", { $$type: "object|optional", a: "string" },
	];
	it.each(rules.map((rule) => [JSON.stringify(rule), rule]))("%s", (_name, rule) => {
		const check = new Validator().compile({ f: structuredClone(rule) } as never);
		const missingIsError = check({}) !== true;
		expect(field(rule).required).toBe(missingIsError);
	});
});
