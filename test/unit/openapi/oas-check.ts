/**
 * Offline structural checks of an OpenAPI 3.0.x document (no validator package is
 * installed). Returns one message per problem, each with the JSON path where it is.
 * Covers what a generated gateway document can get wrong: required fields, unknown
 * keys, unresolved `$ref`s, path templates vs declared path parameters, duplicate
 * operationIds and parameters, equivalent templates, security requirements naming
 * undeclared schemes, and Schema Object keywords/values that are not OpenAPI 3.0.
 */
type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const isExt = (key: string): boolean => key.startsWith("x-");

const ROOT_KEYS = new Set(["openapi", "info", "servers", "paths", "components", "security", "tags", "externalDocs"]);
const PATH_ITEM_KEYS = new Set(["$ref", "summary", "description", "servers", "parameters", "get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);
const OPERATION_KEYS = new Set(["tags", "summary", "description", "externalDocs", "operationId", "parameters", "requestBody", "responses", "callbacks", "deprecated", "security", "servers"]);
const PARAMETER_KEYS = new Set(["name", "in", "description", "required", "deprecated", "allowEmptyValue", "style", "explode", "allowReserved", "schema", "example", "examples", "content"]);
const SCHEMA_KEYS = new Set([
	"title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern",
	"maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum", "type", "allOf", "oneOf",
	"anyOf", "not", "items", "properties", "additionalProperties", "description", "format", "default", "nullable",
	"discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated",
]);
const SCHEMA_TYPES = new Set(["string", "number", "integer", "boolean", "object", "array"]);
const COMPONENT_NAME = /^[a-zA-Z0-9.\-_]+$/;

export function checkOpenApi30(doc: unknown): string[] {
	const problems: string[] = [];
	const report = (path: string, message: string): void => {
		problems.push(`${path}: ${message}`);
	};
	if (!isObject(doc)) return ["#: document is not an object"];

	unknownKeys(doc, ROOT_KEYS, "#", report);
	if (typeof doc.openapi !== "string" || !/^3\.0\.\d+$/.test(doc.openapi)) report("#/openapi", "must be 3.0.x");
	const info = doc.info;
	if (!isObject(info) || typeof info.title !== "string" || typeof info.version !== "string") report("#/info", "needs string title and version");
	checkRefs(doc, doc, "#", report);
	checkComponents(doc, report);
	checkTags(doc.tags, report);
	if (!isObject(doc.paths)) report("#/paths", "missing");
	else checkPaths(doc, doc.paths, report);
	return problems;
}

type Report = (path: string, message: string) => void;

function unknownKeys(obj: Json, allowed: ReadonlySet<string>, path: string, report: Report): void {
	for (const key of Object.keys(obj)) if (!allowed.has(key) && !isExt(key)) report(path, `unknown key "${key}"`);
}

function pointer(path: string, key: string): string {
	return `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
}

/** Every `$ref` is local, resolves, and stands alone (siblings are ignored in 3.0). */
function checkRefs(doc: Json, node: unknown, path: string, report: Report): void {
	if (Array.isArray(node)) node.forEach((item, i) => checkRefs(doc, item, `${path}/${i}`, report));
	if (!isObject(node)) return;
	if (typeof node.$ref === "string") {
		if (resolve(doc, node.$ref) === undefined) report(path, `unresolved $ref ${node.$ref}`);
		if (Object.keys(node).length > 1) report(path, "$ref has sibling keys");
		return;
	}
	for (const [key, value] of Object.entries(node)) checkRefs(doc, value, pointer(path, key), report);
}

function resolve(doc: Json, ref: string): unknown {
	if (!ref.startsWith("#/")) return undefined;
	let node: unknown = doc;
	for (const raw of ref.slice(2).split("/")) {
		const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
		if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, key)) return undefined;
		node = node[key];
	}
	return node;
}

function deref(doc: Json, node: unknown): unknown {
	return isObject(node) && typeof node.$ref === "string" ? resolve(doc, node.$ref) : node;
}

function checkComponents(doc: Json, report: Report): void {
	const components = doc.components;
	if (components === undefined) return;
	if (!isObject(components)) return report("#/components", "not an object");
	for (const [kind, group] of Object.entries(components)) {
		if (!isObject(group)) continue;
		for (const [name, value] of Object.entries(group)) {
			const path = pointer(`#/components/${kind}`, name);
			if (!COMPONENT_NAME.test(name)) report(path, "invalid component name");
			if (kind === "schemas") checkSchema(value, path, report);
			if (kind === "responses") checkResponse(doc, value, path, report);
			if (kind === "securitySchemes" && isObject(value)) {
				if (value.type === "http" && typeof value.scheme !== "string") report(path, "http scheme needs `scheme`");
				if (!["apiKey", "http", "oauth2", "openIdConnect"].includes(String(value.type))) report(path, "invalid security scheme type");
			}
		}
	}
}

function checkTags(tags: unknown, report: Report): void {
	if (tags === undefined) return;
	if (!Array.isArray(tags)) return report("#/tags", "not an array");
	const names = tags.map((t) => (isObject(t) ? t.name : undefined));
	names.forEach((name, i) => {
		if (typeof name !== "string") report(`#/tags/${i}`, "needs a name");
		else if (names.indexOf(name) !== i) report(`#/tags/${i}`, `duplicate tag "${name}"`);
	});
}

function checkPaths(doc: Json, paths: Json, report: Report): void {
	const operationIds = new Map<string, string>();
	const shapes = new Map<string, string>();
	for (const [template, item] of Object.entries(paths)) {
		const path = pointer("#/paths", template);
		if (!template.startsWith("/")) report(path, "path must start with /");
		const shape = template.replace(/\{[^}]*\}/g, "{}");
		if (shapes.has(shape)) report(path, `equivalent to ${shapes.get(shape)}`);
		shapes.set(shape, template);
		if (!isObject(item)) {
			report(path, "path item is not an object");
			continue;
		}
		unknownKeys(item, PATH_ITEM_KEYS, path, report);
		const templateParams = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1]);
		if (new Set(templateParams).size !== templateParams.length) report(path, "template repeats a parameter");
		for (const [method, operation] of Object.entries(item)) {
			if (!METHODS.has(method)) continue;
			const opPath = pointer(path, method);
			if (!isObject(operation)) {
				report(opPath, "operation is not an object");
				continue;
			}
			checkOperation(doc, operation, opPath, templateParams, report);
			if (typeof operation.operationId === "string") {
				const previous = operationIds.get(operation.operationId);
				if (previous !== undefined) report(opPath, `operationId "${operation.operationId}" also used at ${previous}`);
				operationIds.set(operation.operationId, opPath);
			}
		}
	}
}

function checkOperation(doc: Json, op: Json, path: string, templateParams: string[], report: Report): void {
	unknownKeys(op, OPERATION_KEYS, path, report);
	if (op.operationId !== undefined && typeof op.operationId !== "string") report(path, "operationId must be a string");
	if (op.tags !== undefined && !(Array.isArray(op.tags) && op.tags.every((t) => typeof t === "string"))) report(path, "tags must be strings");

	const params = Array.isArray(op.parameters) ? op.parameters.map((p) => deref(doc, p)) : [];
	if (op.parameters !== undefined && !Array.isArray(op.parameters)) report(path, "parameters must be an array");
	const seen = new Set<string>();
	params.forEach((param, i) => {
		const pPath = `${path}/parameters/${i}`;
		if (!isObject(param)) return report(pPath, "parameter is not an object");
		unknownKeys(param, PARAMETER_KEYS, pPath, report);
		if (typeof param.name !== "string") report(pPath, "needs a name");
		if (!["query", "header", "path", "cookie"].includes(String(param.in))) report(pPath, "invalid `in`");
		if (param.in === "path" && param.required !== true) report(pPath, "path parameter must be required: true");
		if ((param.schema === undefined) === (param.content === undefined)) report(pPath, "needs exactly one of schema and content");
		if (param.schema !== undefined) checkSchema(param.schema, `${pPath}/schema`, report);
		const key = `${String(param.in)}:${String(param.name)}`;
		if (seen.has(key)) report(pPath, `duplicate parameter ${key}`);
		seen.add(key);
	});
	const declared = params.filter((p): p is Json => isObject(p) && p.in === "path").map((p) => String(p.name));
	for (const name of templateParams) if (!declared.includes(name)) report(path, `path parameter {${name}} not declared`);
	for (const name of declared) if (!templateParams.includes(name)) report(path, `path parameter "${name}" not in the template`);

	if (op.requestBody !== undefined) {
		const body = deref(doc, op.requestBody);
		if (!isObject(body) || !isObject(body.content) || Object.keys(body.content).length === 0) report(`${path}/requestBody`, "needs content");
		else checkContent(body.content, `${path}/requestBody/content`, report);
	}

	if (!isObject(op.responses) || Object.keys(op.responses).length === 0) report(path, "needs at least one response");
	else {
		for (const [status, response] of Object.entries(op.responses)) {
			const rPath = pointer(`${path}/responses`, status);
			if (!/^(default|[1-5](\d\d|XX))$/.test(status)) report(rPath, "invalid status code");
			checkResponse(doc, response, rPath, report);
		}
	}

	if (op.security !== undefined) checkSecurity(doc, op.security, `${path}/security`, report);
}

function checkResponse(doc: Json, raw: unknown, path: string, report: Report): void {
	const response = deref(doc, raw);
	if (!isObject(response) || typeof response.description !== "string") return report(path, "response needs a description");
	if (isObject(response.content)) checkContent(response.content, `${path}/content`, report);
}

function checkContent(content: Json, path: string, report: Report): void {
	for (const [mediaType, media] of Object.entries(content)) {
		if (isObject(media) && media.schema !== undefined) checkSchema(media.schema, `${pointer(path, mediaType)}/schema`, report);
	}
}

function checkSecurity(doc: Json, security: unknown, path: string, report: Report): void {
	if (!Array.isArray(security)) return report(path, "must be an array");
	const schemes = isObject(doc.components) && isObject(doc.components.securitySchemes) ? doc.components.securitySchemes : {};
	security.forEach((requirement, i) => {
		if (!isObject(requirement)) return report(`${path}/${i}`, "must be an object");
		for (const [name, scopes] of Object.entries(requirement)) {
			if (!(name in schemes)) report(`${path}/${i}`, `unknown security scheme "${name}"`);
			if (!Array.isArray(scopes)) report(`${path}/${i}`, "scopes must be an array");
		}
	});
}

const nonNegativeInt = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 0;

function checkSchema(schema: unknown, path: string, report: Report): void {
	if (!isObject(schema)) return report(path, "schema is not an object");
	if (typeof schema.$ref === "string") return;
	unknownKeys(schema, SCHEMA_KEYS, path, report);
	if (schema.type !== undefined && !SCHEMA_TYPES.has(String(schema.type))) report(path, `invalid type ${JSON.stringify(schema.type)}`);
	if (schema.type === "array" && schema.items === undefined) report(path, "array schema needs items");
	if (schema.nullable !== undefined && typeof schema.nullable !== "boolean") report(path, "nullable must be a boolean");
	for (const key of ["exclusiveMinimum", "exclusiveMaximum", "uniqueItems"]) {
		if (schema[key] !== undefined && typeof schema[key] !== "boolean") report(path, `${key} must be a boolean in OpenAPI 3.0`);
	}
	for (const key of ["minimum", "maximum"]) if (schema[key] !== undefined && typeof schema[key] !== "number") report(path, `${key} must be a number`);
	for (const key of ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]) {
		if (schema[key] !== undefined && !nonNegativeInt(schema[key])) report(path, `${key} must be a non-negative integer`);
	}
	if (schema.pattern !== undefined) {
		try {
			new RegExp(String(schema.pattern));
		} catch {
			report(path, "pattern is not a regular expression");
		}
		if (typeof schema.pattern !== "string") report(path, "pattern must be a string");
	}
	if (schema.enum !== undefined && !(Array.isArray(schema.enum) && schema.enum.length > 0)) report(path, "enum must be a non-empty array");
	if (schema.required !== undefined) {
		const req = schema.required;
		if (!Array.isArray(req) || req.length === 0 || !req.every((r) => typeof r === "string") || new Set(req).size !== req.length) {
			report(path, "required must be a non-empty array of unique strings");
		} else if (isObject(schema.properties)) {
			for (const name of req) if (!(name in schema.properties)) report(path, `required "${String(name)}" is not a property`);
		}
	}
	for (const key of ["allOf", "anyOf", "oneOf"]) {
		const list = schema[key];
		if (list === undefined) continue;
		if (!Array.isArray(list) || list.length === 0) report(path, `${key} must be a non-empty array`);
		else list.forEach((s, i) => checkSchema(s, `${path}/${key}/${i}`, report));
	}
	if (schema.not !== undefined) checkSchema(schema.not, `${path}/not`, report);
	if (schema.items !== undefined) checkSchema(schema.items, `${path}/items`, report);
	if (schema.properties !== undefined) {
		if (!isObject(schema.properties)) report(path, "properties must be an object");
		else for (const [name, s] of Object.entries(schema.properties)) checkSchema(s, pointer(`${path}/properties`, name), report);
	}
	if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== "boolean") {
		checkSchema(schema.additionalProperties, `${path}/additionalProperties`, report);
	}
}
