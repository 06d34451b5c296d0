/**
 * Converters for fastest-validator rules that hold a single value (no nested rules).
 * Each takes a normalized rule record and returns the type-specific part of the
 * OpenAPI 3.0 Schema Object; common keys (nullable, default, ...) are added by the caller.
 */
import { numberOf, RuleRecord, stringOf } from "./fv-rule";
import { SchemaObject, SchemaType } from "./types";

/** fastest-validator 1.19 string flags and the patterns it checks them with. */
const STRING_FLAG_PATTERNS: ReadonlyArray<readonly [string, string]> = [
	["numeric", "^-?[0-9]\\d*(\\.\\d+)?$"],
	["alpha", "^[a-zA-Z]+$"],
	["alphanum", "^[a-zA-Z0-9]+$"],
	["alphadash", "^[a-zA-Z0-9_-]+$"],
	["hex", "^[0-9a-fA-F]+$"],
	["base64", "^(?:[A-Za-z0-9+\\\\/]{4})*(?:[A-Za-z0-9+\\\\/]{2}==|[A-Za-z0-9+/]{3}=)?$"],
];

export function stringSchema(rule: RuleRecord): SchemaObject {
	const schema: SchemaObject = { type: "string" };
	const length = numberOf(rule.length);
	const min = length ?? numberOf(rule.min);
	const max = length ?? numberOf(rule.max);
	if (min !== undefined) schema.minLength = min;
	else if (rule.empty === false) schema.minLength = 1;
	if (max !== undefined) schema.maxLength = max;
	const patterns = stringPatterns(rule);
	if (patterns.length > 0) {
		schema.pattern = patterns[0].source;
		if (patterns[0].flags) schema["x-pattern-flags"] = patterns[0].flags;
		if (patterns.length > 1) schema.allOf = patterns.slice(1).map((p) => ({ pattern: p.source }));
	}
	if (Array.isArray(rule.enum)) schema.enum = [...rule.enum];
	return schema;
}

interface PatternText {
	source: string;
	flags: string;
}

function stringPatterns(rule: RuleRecord): PatternText[] {
	const patterns: PatternText[] = [];
	if (rule.pattern instanceof RegExp) {
		patterns.push({ source: rule.pattern.source, flags: rule.pattern.flags });
	} else if (typeof rule.pattern === "string") {
		patterns.push({ source: rule.pattern, flags: stringOf(rule.patternFlags) ?? "" });
	}
	for (const [flag, source] of STRING_FLAG_PATTERNS) {
		if (rule[flag] === true) patterns.push({ source, flags: "" });
	}
	return patterns;
}

/** min/max are inclusive; positive/negative exclude zero (OpenAPI 3.0 boolean exclusive bounds). */
export function numberSchema(rule: RuleRecord): SchemaObject {
	const schema: SchemaObject = { type: rule.integer === true ? "integer" : "number" };
	const min = numberOf(rule.min);
	const max = numberOf(rule.max);
	if (rule.positive === true && (min === undefined || min <= 0)) {
		schema.minimum = 0;
		schema.exclusiveMinimum = true;
	} else if (min !== undefined) {
		schema.minimum = min;
	}
	if (rule.negative === true && (max === undefined || max >= 0)) {
		schema.maximum = 0;
		schema.exclusiveMaximum = true;
	} else if (max !== undefined) {
		schema.maximum = max;
	}
	const equal = numberOf(rule.equal);
	if (equal !== undefined) schema.enum = [equal];
	const notEqual = numberOf(rule.notEqual);
	if (notEqual !== undefined) schema.not = { enum: [notEqual] };
	return schema;
}

export function enumSchema(rule: RuleRecord): SchemaObject {
	const values = Array.isArray(rule.values) ? [...rule.values] : [];
	// OpenAPI forbids an empty enum; fastest-validator would reject every value.
	if (values.length === 0) return { not: {}, "x-fastest-validator-type": "enum" };
	return withInferredType({ enum: values }, values);
}

/** `equal` with `value` → a one-value enum; with `field` (cross-field check) → described only. */
export function equalSchema(rule: RuleRecord): SchemaObject {
	const field = stringOf(rule.field);
	if (field !== undefined) return { description: `Must equal the '${field}' field.` };
	return withInferredType({ enum: [rule.value] }, [rule.value]);
}

function withInferredType(schema: SchemaObject, values: readonly unknown[]): SchemaObject {
	const kinds = new Set(values.map((value) => typeof value));
	if (kinds.size !== 1) return schema;
	const kind = [...kinds][0];
	const type: SchemaType | undefined =
		kind === "string" ? "string" : kind === "boolean" ? "boolean" : kind === "number" ? "number" : undefined;
	return type === undefined ? schema : { type, ...schema };
}

export function emailSchema(rule: RuleRecord): SchemaObject {
	const schema: SchemaObject = { type: "string", format: "email" };
	const min = numberOf(rule.min);
	const max = numberOf(rule.max);
	if (min !== undefined) schema.minLength = min;
	if (max !== undefined) schema.maxLength = max;
	return schema;
}

export function uuidSchema(rule: RuleRecord): SchemaObject {
	const schema: SchemaObject = { type: "string", format: "uuid" };
	if (rule.version !== undefined) schema["x-uuid-version"] = rule.version;
	return schema;
}

/** Rules whose JSON form is a fixed schema. */
export const FIXED_SCHEMAS: Readonly<Record<string, SchemaObject>> = {
	any: {},
	boolean: { type: "boolean" },
	url: { type: "string", format: "uri" },
	// A Date cannot travel in JSON: over HTTP it is an ISO 8601 string (`convert: true`).
	date: { type: "string", format: "date-time" },
	objectID: { type: "string", pattern: "^[0-9a-fA-F]{24}$" },
	custom: { description: "Checked by a custom validation function." },
	function: { description: "A function value; it cannot be sent over HTTP." },
	forbidden: { not: {} },
	// String forms OpenAPI has no format for: kept as strings, type named in the extension.
	mac: { type: "string", "x-fastest-validator-type": "mac" },
	luhn: { type: "string", "x-fastest-validator-type": "luhn" },
	currency: { type: "string", "x-fastest-validator-type": "currency" },
};
