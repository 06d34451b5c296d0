/**
 * fastest-validator params schema → OpenAPI 3.0 Schema Object.
 *
 * Lossless where OpenAPI can say the same thing; otherwise the nearest schema plus an
 * `x-fastest-validator-type` extension naming the rule. Never throws on unknown rules.
 * Alternatives (`[ruleA, ruleB]`, `type: "multi"`) become `anyOf`: fastest-validator
 * accepts a value when any alternative accepts it, which is `anyOf`, not `oneOf`
 * (`oneOf` would reject a value that several alternatives accept).
 */
import { isRecord, normalizeRule, numberOf, RuleRecord, stringOf } from "./fv-rule";
import { emailSchema, enumSchema, equalSchema, FIXED_SCHEMAS, numberSchema, stringSchema, uuidSchema } from "./fv-scalars";
import { FvSchema, SchemaObject } from "./types";

/** A converted rule and whether a caller must send the field. */
export interface ConvertedRule {
	schema: SchemaObject;
	required: boolean;
}

/**
 * Converts a whole params schema (field → rule, with optional `$$strict`, `$$async`,
 * `$$root`). With `$$root: true` the schema itself is one rule.
 */
export function fastestValidatorToJsonSchema(schema: FvSchema): SchemaObject {
	return convertParams(schema).schema;
}

/** Like {@link fastestValidatorToJsonSchema}, also telling whether the whole value is required. */
export function convertParams(schema: FvSchema): ConvertedRule {
	if (schema.$$root === true) {
		const rule: Record<string, unknown> = {};
		for (const [key, value] of Object.entries(schema)) if (key !== "$$root") rule[key] = value;
		return convertRule(rule);
	}
	return { schema: objectSchema(schema, schema.$$strict), required: true };
}

/** Converts one rule in any form (shorthand, object, array of alternatives). */
export function convertRule(rawRule: unknown): ConvertedRule {
	const rule = normalizeRule(rawRule);
	const schema = typeSchema(rule);
	addCommonKeys(schema, rule);
	return { schema, required: isRequired(rule) };
}

function typeSchema(rule: RuleRecord): SchemaObject {
	const type = stringOf(rule.type);
	switch (type) {
		case "string": return stringSchema(rule);
		case "number": return numberSchema(rule);
		case "enum": return enumSchema(rule);
		case "equal": return equalSchema(rule);
		case "email": return emailSchema(rule);
		case "uuid": return uuidSchema(rule);
		case "object": return objectSchema(isRecord(rule.props) ? rule.props : rule.properties, rule.strict, rule);
		case "array": return arraySchema(rule);
		case "multi": return multiSchema(rule);
		case "record": return { type: "object", additionalProperties: rule.value === undefined ? true : convertRule(rule.value).schema };
		case "tuple": return tupleSchema(rule);
	}
	if (type !== undefined && Object.prototype.hasOwnProperty.call(FIXED_SCHEMAS, type)) {
		return structuredClone(FIXED_SCHEMAS[type]);
	}
	return { "x-fastest-validator-type": type ?? "unknown" };
}

/** Object rule or top-level params: `props` → properties/required; truthy `strict` other than "remove" forbids extra keys. */
function objectSchema(props: unknown, strict: unknown, rule: RuleRecord = {}): SchemaObject {
	const schema: SchemaObject = { type: "object" };
	if (isRecord(props)) {
		const properties: Record<string, SchemaObject> = {};
		const required: string[] = [];
		for (const [name, fieldRule] of Object.entries(props)) {
			if (name.startsWith("$$")) continue;
			const converted = convertRule(fieldRule);
			properties[name] = converted.schema;
			if (converted.required) required.push(name);
		}
		schema.properties = properties;
		if (required.length > 0) schema.required = required;
	}
	if (strict !== undefined && strict !== false && strict !== "remove") schema.additionalProperties = false;
	const minProps = numberOf(rule.minProps);
	const maxProps = numberOf(rule.maxProps);
	if (minProps !== undefined) schema.minProperties = minProps;
	if (maxProps !== undefined) schema.maxProperties = maxProps;
	return schema;
}

function arraySchema(rule: RuleRecord): SchemaObject {
	// OpenAPI 3.0 requires `items` whenever `type` is "array".
	const items: SchemaObject = rule.items === undefined ? {} : convertRule(rule.items).schema;
	if (Array.isArray(rule.enum)) items.enum = [...rule.enum];
	const schema: SchemaObject = { type: "array", items };
	const length = numberOf(rule.length);
	const min = length ?? numberOf(rule.min);
	const max = length ?? numberOf(rule.max);
	if (min !== undefined) schema.minItems = min;
	else if (rule.empty === false) schema.minItems = 1;
	if (max !== undefined) schema.maxItems = max;
	if (rule.unique === true) schema.uniqueItems = true;
	return schema;
}

/** OpenAPI 3.0 has no positional items: a tuple is a fixed-length array of any of its item schemas. */
function tupleSchema(rule: RuleRecord): SchemaObject {
	const rules = Array.isArray(rule.items) ? rule.items : [];
	const schema: SchemaObject = { type: "array", items: rules.length > 0 ? { anyOf: rules.map((r) => convertRule(r).schema) } : {} };
	if (rules.length > 0) {
		schema.minItems = rules.length;
		schema.maxItems = rules.length;
	}
	schema["x-fastest-validator-type"] = "tuple";
	return schema;
}

function multiSchema(rule: RuleRecord): SchemaObject {
	const rules = alternatives(rule.rules);
	if (rules.length === 0) return { "x-fastest-validator-type": "multi" };
	return { anyOf: rules.map((r) => convertRule(r).schema) };
}

function alternatives(rules: unknown): unknown[] {
	return Array.isArray(rules) ? rules : [];
}

function addCommonKeys(schema: SchemaObject, rule: RuleRecord): void {
	const description = stringOf(rule.description) ?? stringOf(rule.$$description);
	if (description !== undefined) {
		schema.description = schema.description === undefined ? description : `${description} ${schema.description}`;
	}
	const label = stringOf(rule.label);
	if (label !== undefined) schema.title = label;
	// A default computed by a function cannot be shown; the field stays optional anyway.
	if (rule.default !== undefined && typeof rule.default !== "function") {
		schema.default = rule.default instanceof Date ? rule.default.toISOString() : rule.default;
	}
	// OpenAPI 3.0 `nullable` only qualifies a sibling `type`; alternatives carry their own.
	if (rule.nullable === true && schema.type !== undefined) schema.nullable = true;
}

/** Required unless optional, defaulted or forbidden; alternatives are optional only if all are (as fastest-validator decides). */
function isRequired(rule: RuleRecord): boolean {
	if (rule.optional === true || rule.default !== undefined || rule.type === "forbidden") return false;
	if (rule.type === "multi") {
		const rules = alternatives(rule.rules);
		return !(rules.length > 0 && rules.every((r) => normalizeRule(r).optional === true));
	}
	return true;
}
