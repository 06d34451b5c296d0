/**
 * The subset of OpenAPI 3.0.3 this module emits, typed so callers never see `any`.
 * Spec: https://spec.openapis.org/oas/v3.0.3
 */

/** A fastest-validator params schema: field name → rule (plus `$$strict`, `$$async`, `$$root`). */
export type FvSchema = Readonly<Record<string, unknown>>;

/** OpenAPI 3.0 specification extensions (`x-...`) may appear on most objects. */
export type Extensions = { [extension: `x-${string}`]: unknown };

export type SchemaType = "string" | "number" | "integer" | "boolean" | "object" | "array";

/** OpenAPI 3.0 Schema Object (the JSON Schema Wright draft 00 subset plus `nullable`). */
export type SchemaObject = Extensions & {
	/** A reference to `#/components/schemas/<name>`; then the only key (OpenAPI 3.0 ignores siblings). */
	$ref?: string;
	type?: SchemaType;
	format?: string;
	title?: string;
	description?: string;
	enum?: unknown[];
	default?: unknown;
	nullable?: boolean;
	minimum?: number;
	maximum?: number;
	exclusiveMinimum?: boolean;
	exclusiveMaximum?: boolean;
	minLength?: number;
	maxLength?: number;
	pattern?: string;
	minItems?: number;
	maxItems?: number;
	uniqueItems?: boolean;
	minProperties?: number;
	maxProperties?: number;
	items?: SchemaObject;
	properties?: Record<string, SchemaObject>;
	required?: string[];
	additionalProperties?: boolean | SchemaObject;
	anyOf?: SchemaObject[];
	oneOf?: SchemaObject[];
	allOf?: SchemaObject[];
	not?: SchemaObject;
};

export interface ReferenceObject {
	$ref: string;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One REST alias of the gateway, as collected by the api service from the registry. */
export interface RouteDescriptor {
	method: HttpMethod;
	/** moleculer-web 0.11 / path-to-regexp 8 syntax: `/api/v1/config/:kind`, `/items{/:id}`, `/files/*path`. */
	path: string;
	/** Full action name, e.g. `config.get` or `v1.config.get`. */
	action: string;
	params?: FvSchema;
	summary?: string;
	description?: string;
	auth: boolean;
	roles?: string[];
	tags?: string[];
	/** JSON Schema of the success (200) body. */
	response?: SchemaObject;
	/** JSON Schema of a 202 body, for routes that may answer "accepted, not done yet". */
	accepted?: SchemaObject;
}

export interface OpenApiInfo {
	title: string;
	version: string;
	description?: string;
}

export type ParameterObject = Extensions & {
	name: string;
	in: "path" | "query";
	required: boolean;
	description?: string;
	style?: "form" | "simple" | "deepObject";
	explode?: boolean;
	schema: SchemaObject;
};

export interface MediaTypeObject {
	schema: SchemaObject | ReferenceObject;
}

export interface RequestBodyObject {
	required: boolean;
	content: Record<string, MediaTypeObject>;
}

export interface HeaderObject {
	description?: string;
	schema: SchemaObject;
}

export interface ResponseObject {
	description: string;
	headers?: Record<string, HeaderObject>;
	content?: Record<string, MediaTypeObject>;
}

export type SecurityRequirement = Record<string, string[]>;

export type OperationObject = Extensions & {
	operationId: string;
	summary?: string;
	description?: string;
	tags: string[];
	parameters?: ParameterObject[];
	requestBody?: RequestBodyObject;
	responses: Record<string, ResponseObject | ReferenceObject>;
	security: SecurityRequirement[];
};

export type PathItemObject = Partial<Record<"get" | "put" | "post" | "delete" | "patch", OperationObject>>;

export interface SecuritySchemeObject {
	type: "http";
	scheme: "bearer";
	bearerFormat?: string;
	description?: string;
}

export interface ComponentsObject {
	schemas: Record<string, SchemaObject>;
	responses: Record<string, ResponseObject>;
	securitySchemes: Record<string, SecuritySchemeObject>;
}

export interface TagObject {
	name: string;
}

export interface OpenApiDocument {
	openapi: "3.0.3";
	info: OpenApiInfo;
	tags: TagObject[];
	paths: Record<string, PathItemObject>;
	components: ComponentsObject;
}
