/**
 * Shared parts of the gateway document: the error body every failure uses, one
 * reusable response per error status, and the bearer JWT security scheme.
 */
import { ComponentsObject, ReferenceObject, ResponseObject, SchemaObject } from "./types";

export const BEARER_AUTH = "bearerAuth";

/** `{ error: { code, message, data? } }`, the gateway's body for every error status. */
export const ERROR_SCHEMA: SchemaObject = {
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
};

/** The 422 body: `error.data` lists the failing fields, or (a domain check) gives the details. */
export const VALIDATION_ERROR_SCHEMA: SchemaObject = {
	type: "object",
	required: ["error"],
	properties: {
		error: {
			type: "object",
			required: ["code", "message"],
			properties: {
				code: { type: "string", enum: ["VALIDATION_ERROR"] },
				message: { type: "string" },
				data: {
					description: "The failing parameters (a list), or the details of the check that refused the request (an object).",
					anyOf: [
						{
							type: "array",
							items: {
								type: "object",
								required: ["message"],
								properties: {
									field: { type: "string", description: "The parameter, e.g. `body.symbol`." },
									type: { type: "string", description: "The failed rule, e.g. `required`, `number`." },
									message: { type: "string" },
									expected: { description: "What the rule expects, e.g. a minimum length." },
									actual: { description: "The value received (redacted for secret fields)." },
								},
								additionalProperties: true,
							},
						},
						{ type: "object", additionalProperties: true },
					],
				},
			},
		},
	},
};

export type ErrorStatus = "400" | "401" | "403" | "404" | "409" | "413" | "422" | "429" | "500" | "503" | "504";

/** Status → [component name, description, body schema]. */
const ERROR_RESPONSES: Readonly<Record<ErrorStatus, readonly [string, string, string?]>> = {
	"400": ["BadRequest", "The request is malformed or the action refused it."],
	"401": ["Unauthorized", "No valid bearer token was sent."],
	"403": ["Forbidden", "The token's roles do not allow this action."],
	"404": ["NotFound", "The resource or the service behind the route was not found."],
	"409": ["Conflict", "The resource changed or is in a state that refuses this (e.g. If-Match precondition, order already final)."],
	"413": ["PayloadTooLarge", "The request body is larger than the gateway accepts."],
	"422": ["ValidationError", "A parameter failed validation; `error.data` lists the fields.", "ValidationError"],
	"429": ["TooManyRequests", "Rate limit exceeded; Retry-After says when to come back when known."],
	"500": ["InternalError", "Unexpected server error (details are in the server log only)."],
	"503": ["ServiceUnavailable", "A service, exchange or external system behind the route is unavailable or overloaded; `error.code` names it."],
	"504": ["Timeout", "The call behind the route did not answer in time; its outcome may be unknown (see `error.data`)."],
};

const RETRY_AFTER = { description: "Seconds to wait before retrying, when known.", schema: { type: "integer" as const, minimum: 1 } };

export function errorResponseRef(status: ErrorStatus): ReferenceObject {
	return { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` };
}

/** The shared parts plus the component schemas the operations' bodies reference. */
export function buildComponents(schemas: Readonly<Record<string, SchemaObject>> = {}): ComponentsObject {
	const responses: Record<string, ResponseObject> = {};
	for (const [status, [name, description, schema]] of Object.entries(ERROR_RESPONSES)) {
		const response: ResponseObject = { description, content: { "application/json": { schema: { $ref: `#/components/schemas/${schema ?? "Error"}` } } } };
		if (status === "429" || status === "503") response.headers = { "Retry-After": structuredClone(RETRY_AFTER) };
		responses[name] = response;
	}
	return {
		schemas: { Error: structuredClone(ERROR_SCHEMA), ValidationError: structuredClone(VALIDATION_ERROR_SCHEMA), ...structuredClone(schemas) },
		responses,
		securitySchemes: {
			[BEARER_AUTH]: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "JWT or API token issued by the auth service." },
		},
	};
}
