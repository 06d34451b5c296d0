/**
 * Validates real gateway answers against the gateway's own OpenAPI 3.0 document with ajv: the
 * document's schemas are turned into JSON Schema (`nullable` → a null type, `$ref`s into one
 * registered document; formats such as date-time are checked). Strict mode also refuses properties an object schema does not list, so a
 * schema that forgets a field fails as well as one that has a field wrong.
 */
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

type Json = Record<string, unknown>;
type Doc = { paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, Json>; responses: Record<string, Json> } };

const DOC_ID = "openapi-doc";
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** OpenAPI 3.0 Schema Object → JSON Schema (draft 7) that ajv accepts. */
export function toJsonSchema(schema: unknown, strict: boolean): unknown {
	if (Array.isArray(schema)) return schema.map((s) => toJsonSchema(s, strict));
	if (!isObject(schema)) return schema;
	const out: Json = {};
	for (const [key, value] of Object.entries(schema)) {
		if (key === "nullable" || key === "example" || key === "deprecated" || key.startsWith("x-")) continue;
		if (key === "$ref" && typeof value === "string") out.$ref = value.replace(/^#\/components\//, `${DOC_ID}#/components/`);
		else if (key === "properties" && isObject(value)) out.properties = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSchema(v, strict)]));
		else if (key === "enum" || key === "required" || key === "default") out[key] = value;
		else out[key] = toJsonSchema(value, strict);
	}
	// OpenAPI 3.0's boolean exclusive bounds.
	if (out.exclusiveMinimum === true) [out.exclusiveMinimum, out.minimum] = [out.minimum, undefined];
	if (out.exclusiveMaximum === true) [out.exclusiveMaximum, out.maximum] = [out.maximum, undefined];
	if (out.exclusiveMinimum === false) delete out.exclusiveMinimum;
	if (out.exclusiveMaximum === false) delete out.exclusiveMaximum;
	for (const k of ["minimum", "maximum"]) if (out[k] === undefined) delete out[k];
	if (strict && out.type === "object" && isObject(out.properties) && out.additionalProperties === undefined) out.additionalProperties = false;
	if (schema.nullable !== true) return out;
	if (typeof out.type === "string") {
		out.type = [out.type, "null"];
		if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
		return out;
	}
	return { anyOf: [out, { type: "null" }] };
}

export interface AnswerCheck {
	/** Why the answer does not match the document, or [] when it does. */
	problems: string[];
	/** The schema the body was checked against is the operation's success (2xx) body. */
	success: boolean;
}

export class OpenApiValidator {
	private readonly ajv: Ajv;
	private readonly cache = new Map<string, ValidateFunction>();

	constructor(private readonly doc: Doc, private readonly strict = true) {
		this.ajv = new Ajv({ strict: false, allErrors: true });
		addFormats(this.ajv);
		this.ajv.addSchema({ $id: DOC_ID, components: { schemas: toJsonSchema(doc.components.schemas, strict) } });
	}

	/** The operation at `template` (the document's path) and `method`, or undefined. */
	operation(method: string, template: string): Json | undefined {
		return this.doc.paths[template]?.[method.toLowerCase()];
	}

	/** Checks one real answer (status and JSON body) of an operation against its responses. */
	check(method: string, template: string, status: number, body: unknown): AnswerCheck {
		const op = this.operation(method, template);
		if (!op) return { problems: [`no operation ${method} ${template} in the document`], success: false };
		const responses = op.responses as Record<string, Json>;
		let response = responses[String(status)];
		if (!response) return { problems: [`status ${status} is not documented (documented: ${Object.keys(responses).join(", ")})`], success: false };
		if (typeof response.$ref === "string") response = this.doc.components.responses[response.$ref.split("/").pop() ?? ""];
		const schema = (response?.content as Record<string, { schema?: unknown }> | undefined)?.["application/json"]?.schema;
		if (!isObject(schema) || Object.keys(schema).length === 0) return { problems: [`status ${status} has no body schema`], success: status < 300 };
		const key = `${method} ${template} ${status}`;
		let validate = this.cache.get(key);
		if (!validate) {
			validate = this.ajv.compile(toJsonSchema(schema, this.strict) as object);
			this.cache.set(key, validate);
		}
		const ok = validate(body);
		const problems = ok ? [] : (validate.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
		return { problems, success: status < 300 };
	}
}
