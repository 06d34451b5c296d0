/** Response bodies of the keys service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const keysResponses: ActionResponses = {
	"keys.status": {
		type: "object",
		properties: {
			backend: { type: "string", enum: ["file", "aws"] },
			locked: { type: "boolean" },
			reason: { type: "string", nullable: true },
		},
		required: ["backend", "locked", "reason"],
	},
	"keys.list": { type: "array", items: { $ref: "#/components/schemas/SecretSummary" } },
	"keys.add": { $ref: "#/components/schemas/SecretSummary" },
	"keys.remove": {
		type: "object",
		properties: { id: { type: "string" }, deleted: { type: "boolean" } },
		required: ["id", "deleted"],
	},
};

export const keysSchemas: ComponentSchemas = {
	SecretSummary: {
		description: "A keystore entry, without its secret.",
		type: "object",
		properties: {
			id: { type: "string" },
			kind: { $ref: "#/components/schemas/SecretKind" },
			label: { type: "string" },
			exchange: { type: "string" },
			hint: { type: "string" },
			createdAt: { type: "string" },
			updatedAt: { type: "string" },
		},
		required: ["id", "kind", "hint", "createdAt", "updatedAt"],
	},
	SecretKind: { type: "string", enum: ["cex", "evm"] },
};
