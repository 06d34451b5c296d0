/** Response bodies of the alerting service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const alertingResponses: ActionResponses = {
	"alerting.active": { type: "array", items: { $ref: "#/components/schemas/Alert" } },
	"alerting.rules": {
		type: "object",
		properties: {
			loaded: { type: "boolean" },
			rules: { type: "array", items: { $ref: "#/components/schemas/AlertRule" } },
			metrics: {
				type: "array",
				items: {
					type: "object",
					properties: {
						rule: { type: "string" },
						subject: { type: "string" },
						metric: { type: "string", nullable: true },
					},
					required: ["rule", "subject", "metric"],
				},
			},
		},
		required: ["loaded", "rules", "metrics"],
	},
	"alerting.history": { type: "array", items: { $ref: "#/components/schemas/AlertHistoryEntry" } },
	"alerting.test": {
		type: "object",
		properties: { published: { type: "boolean" }, alert: { $ref: "#/components/schemas/AlertNotice" } },
		required: ["published", "alert"],
	},
};

export const alertingSchemas: ComponentSchemas = {
	Alert: {
		description: "An alert of the alerting service: pending until its rule held for `forMs`, then firing until resolved.",
		type: "object",
		properties: {
			alertId: { type: "string" },
			rule: { type: "string" },
			labels: { type: "object", additionalProperties: { type: "string" } },
			status: { type: "string", enum: ["pending", "firing"] },
			severity: { $ref: "#/components/schemas/Severity" },
			message: { type: "string" },
			value: { type: "number", nullable: true },
			since: { type: "string" },
			raisedAt: { type: "string", nullable: true },
			occurrences: { type: "number" },
		},
		required: ["alertId", "rule", "labels", "status", "severity", "message", "value", "since", "raisedAt", "occurrences"],
	},
	AlertRule: {
		description: "A rule of the alerts config kind.",
		type: "object",
		properties: {
			name: { type: "string" },
			source: { type: "string", enum: ["metric", "event"] },
			subject: { type: "string" },
			condition: {
				type: "object",
				properties: { op: { $ref: "#/components/schemas/ComparisonOp" }, threshold: { type: "number" } },
				required: ["op", "threshold"],
			},
			forMs: { type: "number" },
			cooldownMs: { type: "number" },
			severity: { $ref: "#/components/schemas/Severity" },
			message: { type: "string" },
			enabled: { type: "boolean" },
		},
		required: ["name", "source", "subject", "forMs", "cooldownMs", "severity", "message", "enabled"],
	},
	AlertNotice: {
		type: "object",
		properties: {
			kind: { type: "string", enum: ["raised", "resolved"] },
			alertId: { type: "string" },
			messageId: { type: "string" },
			rule: { type: "string" },
			source: { type: "string", enum: ["metric", "event"] },
			subject: { type: "string" },
			severity: { $ref: "#/components/schemas/Severity" },
			message: { type: "string" },
			labels: { type: "object", additionalProperties: { type: "string" } },
			value: { type: "number", nullable: true },
			threshold: { type: "number", nullable: true },
			since: { type: "string" },
			raisedAt: { type: "string" },
			resolvedAt: { type: "string", nullable: true },
			reason: { type: "string", enum: ["event", "cleared", "quiet", "rule-removed"] },
			occurrences: { type: "number" },
		},
		required: [
			"kind", "alertId", "messageId", "rule", "source", "subject", "severity", "message", "labels", "value", "threshold",
			"since", "raisedAt", "resolvedAt", "occurrences",
		],
	},
	AlertHistoryEntry: {
		description: "An alert transition (raised or resolved) the alerting replicas heard, from their rules or another service's (such as the kill switch), as stored in the shared alert history; fields a notice lacked are filled in.",
		type: "object",
		properties: {
			kind: { type: "string", enum: ["raised", "resolved"] },
			alertId: { type: "string" },
			messageId: { type: "string", description: "Unique per transition; pass it as `before` for the entries older than this one." },
			rule: { type: "string", description: "The rule, else the alert's id." },
			severity: { $ref: "#/components/schemas/Severity" },
			message: { type: "string" },
			since: { type: "string" },
			raisedAt: { type: "string" },
			resolvedAt: { type: "string", nullable: true },
			labels: { type: "object", additionalProperties: { type: "string" } },
			seenAt: { type: "string", format: "date-time", description: "When the first alerting replica heard it (the history's order)." },
		},
		required: ["kind", "alertId", "messageId", "rule", "severity", "message", "since", "raisedAt", "resolvedAt", "labels", "seenAt"],
	},
	Severity: { type: "string", enum: ["info", "warning", "critical"] },
	ComparisonOp: { type: "string", enum: [">", ">=", "<", "<=", "==", "!="] },
};
