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

export type ErrorStatus = "400" | "401" | "403" | "404" | "413" | "422" | "429" | "500";

/** Status → [component name, description]. */
const ERROR_RESPONSES: Readonly<Record<ErrorStatus, readonly [string, string]>> = {
	"400": ["BadRequest", "The request is malformed or the action refused it."],
	"401": ["Unauthorized", "No valid bearer token was sent."],
	"403": ["Forbidden", "The token's roles do not allow this action."],
	"404": ["NotFound", "The resource or the service behind the route was not found."],
	"413": ["PayloadTooLarge", "The request body is larger than the gateway accepts."],
	"422": ["ValidationError", "A parameter failed validation; `error.data` lists the fields."],
	"429": ["TooManyRequests", "Rate limit exceeded."],
	"500": ["InternalError", "Unexpected server error."],
};

export function errorResponseRef(status: ErrorStatus): ReferenceObject {
	return { $ref: `#/components/responses/${ERROR_RESPONSES[status][0]}` };
}

export function buildComponents(): ComponentsObject {
	const responses: Record<string, ResponseObject> = {};
	for (const [name, description] of Object.values(ERROR_RESPONSES)) {
		responses[name] = { description, content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };
	}
	return {
		schemas: { Error: structuredClone(ERROR_SCHEMA) },
		responses,
		securitySchemes: {
			[BEARER_AUTH]: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "JWT or API token issued by the auth service." },
		},
	};
}
