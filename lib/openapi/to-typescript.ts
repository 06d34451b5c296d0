/**
 * OpenAPI 3.0 schemas → TypeScript declarations, for clients typed from the document: one
 * declaration per component schema, `ActionResponses` (action name → success body) and, given a
 * document's paths, `RouteResponses` ("GET /api/v1/config" → success body). Covers the Schema
 * Object subset the gateway emits: $ref, nullable, enum, anyOf/oneOf/allOf, arrays, objects with
 * properties and/or additionalProperties.
 */
import { buildComponents } from "./components";
import { ACTION_RESPONSES, RESPONSE_SCHEMAS } from "./responses";
import type { PathItemObject, ReferenceObject, ResponseObject, SchemaObject } from "./types";

/** Component names that would shadow a global type in the generated module. */
const RENAMED: Readonly<Record<string, string>> = { Error: "ErrorBody" };

export interface TypeScriptInput {
	components: Readonly<Record<string, SchemaObject>>;
	/** Action name → success body schema. */
	actions?: Readonly<Record<string, SchemaObject>>;
	/** A document's paths: their 200 bodies become RouteResponses. */
	paths?: Readonly<Record<string, PathItemObject>>;
	/** First line of the file, e.g. how it was generated. */
	header: string;
}

export function typeName(component: string): string {
	const name = RENAMED[component] ?? component;
	return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : name.replace(/[^A-Za-z0-9_$]/g, "_");
}

function key(name: string): string {
	return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : JSON.stringify(name);
}

function comment(text: string | undefined, indent: string): string {
	if (!text) return "";
	return `${indent}/** ${text.replace(/\*\//g, "*\\/").replace(/\n+/g, " ")} */\n`;
}

/** A union or intersection at the top level (outside braces, brackets and parentheses). */
function needsParens(type: string): boolean {
	let depth = 0;
	for (const ch of type) {
		if (ch === "{" || ch === "(" || ch === "<" || ch === "[") depth++;
		else if (ch === "}" || ch === ")" || ch === ">" || ch === "]") depth--;
		else if (depth === 0 && (ch === "|" || ch === "&")) return true;
	}
	return false;
}

/** The TypeScript type of a schema; `indent` is the indentation of the line it starts on. */
export function schemaToType(schema: SchemaObject | undefined, indent = ""): string {
	if (schema === undefined) return "unknown";
	const base = baseType(schema, indent);
	return schema.nullable === true && base !== "unknown" ? `${needsParens(base) ? `(${base})` : base} | null` : base;
}

function baseType(schema: SchemaObject, indent: string): string {
	if (schema.$ref !== undefined) return typeName(schema.$ref.split("/").pop() ?? "unknown");
	if (schema.enum !== undefined) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
	const union = schema.anyOf ?? schema.oneOf;
	if (union !== undefined) return union.map((s) => wrap(schemaToType(s, indent))).join(" | ");
	if (schema.allOf !== undefined) return schema.allOf.map((s) => wrap(schemaToType(s, indent))).join(" & ");
	switch (schema.type) {
		case "string":
			return "string";
		case "number":
		case "integer":
			return "number";
		case "boolean":
			return "boolean";
		case "array": {
			const item = schemaToType(schema.items, indent);
			return needsParens(item) ? `Array<${item}>` : `${item}[]`;
		}
		case "object":
			return objectType(schema, indent);
		default:
			return schema.properties !== undefined ? objectType(schema, indent) : "unknown";
	}
}

function wrap(type: string): string {
	return needsParens(type) ? `(${type})` : type;
}

function objectType(schema: SchemaObject, indent: string): string {
	const properties = Object.entries(schema.properties ?? {});
	const extra = schema.additionalProperties;
	if (properties.length === 0) {
		if (extra === undefined || extra === true || extra === false) return extra === false ? "Record<string, never>" : "Record<string, unknown>";
		return `Record<string, ${schemaToType(extra, indent)}>`;
	}
	const inner = `${indent}\t`;
	const required = new Set(schema.required ?? []);
	const lines = properties.map(([name, prop]) => `${comment(prop.description, inner)}${inner}${key(name)}${required.has(name) ? "" : "?"}: ${schemaToType(prop, inner)};`);
	// Named properties must fit an index signature: unknown fits all.
	if (extra !== undefined && extra !== false) lines.push(`${inner}[key: string]: unknown;`);
	return `{\n${lines.join("\n")}\n${indent}}`;
}

function successSchema(response: ResponseObject | ReferenceObject | undefined): SchemaObject | undefined {
	if (response === undefined || "$ref" in response) return undefined;
	const schema = response.content?.["application/json"]?.schema;
	return schema === undefined || "$ref" in schema ? (schema as SchemaObject | undefined) : schema;
}

export function toTypeScript(input: TypeScriptInput): string {
	const out: string[] = [`/* ${input.header} */`, ""];
	for (const [name, schema] of Object.entries(input.components).sort(([a], [b]) => a.localeCompare(b))) {
		const type = schemaToType(schema);
		if (schema.description) out.push(comment(schema.description, "").trimEnd());
		const plainObject = type.startsWith("{\n") && !needsParens(type);
		out.push(plainObject ? `export interface ${typeName(name)} ${type}` : `export type ${typeName(name)} = ${type};`);
		out.push("");
	}
	if (input.actions !== undefined) {
		out.push("/** The success body of each action's route, by action name. */", "export interface ActionResponses {");
		for (const [action, schema] of Object.entries(input.actions).sort(([a], [b]) => a.localeCompare(b))) out.push(`\t${key(action)}: ${schemaToType(schema, "\t")};`);
		out.push("}", "");
	}
	if (input.paths !== undefined) {
		out.push('/** The success body of each route, by "METHOD /path/{param}". */', "export interface RouteResponses {");
		for (const [template, item] of Object.entries(input.paths)) {
			for (const [method, operation] of Object.entries(item)) {
				if (operation === undefined) continue;
				out.push(`\t${JSON.stringify(`${method.toUpperCase()} ${template}`)}: ${schemaToType(successSchema(operation.responses["200"]), "\t")};`);
			}
		}
		out.push("}", "");
	}
	return out.filter((line, i, all) => !(line === "" && all[i - 1] === "")).join("\n");
}

/** The committed lib/openapi/api-types.ts: every response schema of lib/openapi/responses, offline. */
export const API_TYPES_FILE = "lib/openapi/api-types.ts";

export function libraryTypeScript(): string {
	return toTypeScript({
		header: "Generated by `npm run openapi:types` from lib/openapi/responses (lib/openapi/to-typescript.ts): do not edit.",
		components: { ...buildComponents(RESPONSE_SCHEMAS).schemas },
		actions: ACTION_RESPONSES,
	});
}
