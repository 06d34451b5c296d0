/**
 * One route variant → one OpenAPI Operation: path parameters from the template,
 * the other params as query parameters (GET, DELETE) or a JSON body (POST, PUT, PATCH),
 * security from `auth`/`roles`, and the error responses that can occur.
 */
import { BEARER_AUTH, ErrorStatus, errorResponseRef } from "./components";
import { convertParams } from "./fv-to-json-schema";
import { PathParam, PathVariant } from "./path-template";
import { OperationObject, ParameterObject, ReferenceObject, RequestBodyObject, ResponseObject, RouteDescriptor, SchemaObject } from "./types";

const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);

/** Where an operation sits in the document. */
export interface OperationPlace {
	operationId: string;
	/** The route's full form (every optional group present). */
	fullTemplate: string;
	/**
	 * Names the document's template gives the variant's path parameters, in order. They
	 * differ from the action's names when another route already owns a path of the same
	 * shape (`/items/{id}` vs the action's `:itemId`); values are positional, so only the
	 * documented name changes.
	 */
	templateNames: readonly string[];
}

export function buildOperation(route: RouteDescriptor, variant: PathVariant, place: OperationPlace): OperationObject {
	const { operationId, fullTemplate, templateNames } = place;
	const params = route.params === undefined ? undefined : convertParams(route.params);
	const fields = params !== undefined && params.schema.type === "object" ? params.schema : undefined;
	const pathNames = new Set([...variant.params.map((p) => p.name), ...variant.omitted]);
	const hasBody = BODY_METHODS.has(route.method);

	const parameters: ParameterObject[] = variant.params.map((p, i) => pathParameter(templateNames[i] ?? p.name, p, fields));
	let requestBody: RequestBodyObject | undefined;
	if (fields !== undefined) {
		const rest = withoutFields(fields, pathNames);
		if (hasBody) requestBody = jsonBody(rest);
		else parameters.push(...queryParameters(rest));
	} else if (params !== undefined && hasBody) {
		// `$$root` rule that is not an object: the body is that value.
		requestBody = { required: params.required, content: { "application/json": { schema: params.schema } } };
	}

	const description = describe(route, variant, fullTemplate);
	const operation: OperationObject = {
		operationId,
		tags: tagsOf(route),
		...(route.summary !== undefined ? { summary: route.summary } : {}),
		...(description !== undefined ? { description } : {}),
		...(parameters.length > 0 ? { parameters } : {}),
		...(requestBody !== undefined ? { requestBody } : {}),
		responses: responses(route, hasParams(params?.schema)),
		security: route.auth ? [{ [BEARER_AUTH]: [] }] : [],
	};
	if (route.auth && route.roles !== undefined && route.roles.length > 0) operation["x-roles"] = [...route.roles];
	return operation;
}

/** Tags given on the route, else the action's service name (text before the last dot). */
function tagsOf(route: RouteDescriptor): string[] {
	if (route.tags !== undefined && route.tags.length > 0) return [...route.tags];
	const dot = route.action.lastIndexOf(".");
	return [dot > 0 ? route.action.slice(0, dot) : route.action];
}

function pathParameter(name: string, param: PathParam, fields: SchemaObject | undefined): ParameterObject {
	const schema: SchemaObject = structuredClone(fields?.properties?.[param.name] ?? { type: "string" });
	// Path parameters are always sent, so a default would never apply.
	delete schema.default;
	const notes = [
		schema.description,
		param.wildcard ? "Matches one or more path segments ('/' allowed)." : undefined,
		name !== param.name ? `The action receives it as \`${param.name}\`.` : undefined,
	];
	delete schema.description;
	return withDescription({ name, in: "path", required: true, schema }, notes);
}

function queryParameters(fields: SchemaObject): ParameterObject[] {
	const required = new Set(fields.required ?? []);
	return Object.entries(fields.properties ?? {}).map(([name, original]) => {
		const schema = structuredClone(original);
		const description = schema.description;
		delete schema.description;
		const parameter: ParameterObject = { name, in: "query", required: required.has(name), schema };
		// moleculer-web parses the query string with `qs`: objects arrive as name[key]=value.
		if (schema.type === "object") Object.assign(parameter, { style: "deepObject", explode: true });
		return withDescription(parameter, [description]);
	});
}

function withDescription(parameter: ParameterObject, notes: ReadonlyArray<string | undefined>): ParameterObject {
	const text = notes.filter((n): n is string => n !== undefined).join(" ");
	return text ? { ...parameter, description: text } : parameter;
}

function jsonBody(fields: SchemaObject): RequestBodyObject | undefined {
	if (Object.keys(fields.properties ?? {}).length === 0) return undefined;
	return { required: (fields.required ?? []).length > 0, content: { "application/json": { schema: fields } } };
}

/** The object schema without the named properties (those travel in the path). */
function withoutFields(fields: SchemaObject, names: ReadonlySet<string>): SchemaObject {
	const rest: SchemaObject = structuredClone(fields);
	const properties: Record<string, SchemaObject> = {};
	for (const [name, schema] of Object.entries(rest.properties ?? {})) if (!names.has(name)) properties[name] = schema;
	rest.properties = properties;
	const required = (rest.required ?? []).filter((name) => !names.has(name));
	if (required.length > 0) rest.required = required;
	else delete rest.required;
	return rest;
}

function hasParams(schema: SchemaObject | undefined): boolean {
	if (schema === undefined) return false;
	return schema.type !== "object" || Object.keys(schema.properties ?? {}).length > 0;
}

function describe(route: RouteDescriptor, variant: PathVariant, fullTemplate: string): string | undefined {
	const parts: string[] = [];
	if (route.description !== undefined && route.description !== "") parts.push(route.description);
	if (variant.template !== fullTemplate) {
		const omitted = variant.omitted.map((name) => `\`${name}\``).join(", ");
		parts.push(`Form of \`${route.method} ${fullTemplate}\` without its optional part${omitted ? ` (${omitted})` : ""}.`);
	}
	if (route.auth) {
		const roles = route.roles ?? [];
		parts.push(`Requires a bearer token${roles.length > 0 ? ` with one of the roles: ${roles.join(", ")}` : ""}.`);
	}
	return parts.length > 0 ? parts.join("\n\n") : undefined;
}

function responses(route: RouteDescriptor, withParams: boolean): Record<string, ResponseObject | ReferenceObject> {
	const write = route.method !== "GET";
	const statuses: ErrorStatus[] = ["400"];
	if (route.auth) statuses.push("401", "403");
	// A public route taking a body may be refused the credentials it carries (login, refresh).
	else if (withParams && BODY_METHODS.has(route.method)) statuses.push("401");
	statuses.push("404");
	if (write) statuses.push("409");
	if (BODY_METHODS.has(route.method)) statuses.push("413");
	if (withParams) statuses.push("422");
	statuses.push("429", "500", "503", "504");
	const result: Record<string, ResponseObject | ReferenceObject> = {
		"200": {
			description: route.response !== undefined ? "Success." : "Success: the action's result as JSON (not described).",
			content: { "application/json": { schema: route.response !== undefined ? structuredClone(route.response) : {} } },
		},
	};
	if (route.accepted !== undefined) {
		result["202"] = {
			description: "Accepted: the transaction is sent but not mined within the call's time; follow it, do not send again.",
			content: { "application/json": { schema: structuredClone(route.accepted) } },
		};
	}
	for (const status of statuses) result[status] = errorResponseRef(status);
	return result;
}
