/** Response bodies of the api service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const apiResponses: ActionResponses = {
	"api.health": {
		type: "object",
		properties: {
			status: { type: "string" },
			nodeID: { type: "string" },
			uptimeSeconds: { type: "number" },
			services: { type: "array", items: { type: "string" } },
		},
		required: ["status", "nodeID", "uptimeSeconds", "services"],
	},
	"api.openapi": {
		type: "object",
		description: "An OpenAPI 3.0 document (https://spec.openapis.org/oas/v3.0.3).",
		properties: {
			openapi: { type: "string" },
			info: {
				type: "object",
				properties: { title: { type: "string" }, version: { type: "string" }, description: { type: "string" } },
				required: ["title", "version"],
			},
			tags: { type: "array", items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
			paths: { type: "object", additionalProperties: { type: "object" } },
			components: { type: "object" },
		},
		required: ["openapi", "info", "paths"],
	},
};

export const apiSchemas: ComponentSchemas = {};
