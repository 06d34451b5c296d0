/** Response bodies of the monitoring service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const monitoringResponses: ActionResponses = {
	"monitoring.status": { $ref: "#/components/schemas/MonitoringStatus" },
};

export const monitoringSchemas: ComponentSchemas = {
	MonitoringStatus: {
		description: "The mesh's nodes, the external servers probed and the price feeds.",
		type: "object",
		properties: {
			ok: { type: "boolean" },
			checkedAt: { type: "string" },
			nodes: { type: "array", items: { $ref: "#/components/schemas/NodeStatus" } },
			servers: { type: "array", items: { $ref: "#/components/schemas/ProbeResult" } },
			feeds: {
				type: "array",
				items: {
					type: "object",
					properties: { exchange: { type: "string" }, symbol: { type: "string" }, ageMs: { type: "number" } },
					required: ["exchange", "symbol", "ageMs"],
				},
			},
		},
		required: ["ok", "checkedAt", "nodes", "servers", "feeds"],
	},
	NodeStatus: {
		type: "object",
		properties: {
			id: { type: "string" },
			state: { type: "string", enum: ["up", "down", "unresponsive"] },
			available: { type: "boolean" },
			local: { type: "boolean" },
			hostname: { type: "string", nullable: true },
			cpu: {
				type: "object",
				properties: {
					utilization: { type: "number", nullable: true },
					load1: { type: "number", nullable: true },
					cores: { type: "number", nullable: true },
				},
				required: ["utilization", "load1", "cores"],
			},
			memory: {
				type: "object",
				properties: {
					rssBytes: { type: "number", nullable: true },
					heapUsedBytes: { type: "number", nullable: true },
					systemUsedPercent: { type: "number", nullable: true },
				},
				required: ["rssBytes", "heapUsedBytes", "systemUsedPercent"],
			},
			uptimeSeconds: { type: "number", nullable: true },
			services: { type: "array", items: { type: "string" } },
			circuitBreakers: {
				type: "array",
				items: {
					type: "object",
					properties: {
						action: { type: "string" },
						state: { $ref: "#/components/schemas/BreakerState" },
						reportedBy: { type: "string" },
						since: { type: "number" },
					},
					required: ["action", "state", "reportedBy", "since"],
				},
			},
			error: { type: "string", nullable: true },
		},
		required: [
			"id", "state", "available", "local", "hostname", "cpu", "memory", "uptimeSeconds", "services", "circuitBreakers",
			"error",
		],
	},
	ProbeResult: {
		type: "object",
		properties: {
			name: { type: "string" },
			ok: { type: "boolean" },
			latencyMs: { type: "number" },
			error: { type: "string", nullable: true },
			detail: { type: "object", additionalProperties: {} },
		},
		required: ["name", "ok", "latencyMs", "error"],
	},
	BreakerState: { type: "string", enum: ["open", "closed", "half-open"] },
};
