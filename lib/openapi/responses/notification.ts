/** Response bodies of the notification service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const notificationResponses: ActionResponses = {
	"notification.status": {
		type: "object",
		properties: {
			channels: {
				type: "object",
				properties: {
					telegram: {
						type: "object",
						properties: {
							configured: { type: "boolean" },
							chats: { type: "number" },
							commands: { type: "boolean" },
							polling: { type: "boolean", description: "This replica is the one polling Telegram for commands now (the lease holder)." },
						},
						required: ["configured", "chats", "commands", "polling"],
					},
					email: {
						type: "object",
						properties: { configured: { type: "boolean" }, recipients: { type: "number" } },
						required: ["configured", "recipients"],
					},
				},
				required: ["telegram", "email"],
			},
			routing: { $ref: "#/components/schemas/Routing" },
			routingSource: { $ref: "#/components/schemas/RoutingSource" },
			counters: {
				type: "object",
				properties: {
					telegram: { $ref: "#/components/schemas/Counters" },
					email: { $ref: "#/components/schemas/Counters" },
				},
				required: ["telegram", "email"],
			},
			backlog: { allOf: [{ $ref: "#/components/schemas/NotificationBacklog" }], nullable: true },
		},
		required: ["channels", "routing", "routingSource", "counters", "backlog"],
	},
	"notification.send": {
		type: "object",
		properties: { queued: { type: "boolean" }, messageId: { type: "string" } },
		required: ["queued", "messageId"],
	},
};

export const notificationSchemas: ComponentSchemas = {
	Routing: {
		type: "object",
		properties: {
			info: { type: "array", items: { $ref: "#/components/schemas/ChannelName" } },
			warning: { type: "array", items: { $ref: "#/components/schemas/ChannelName" } },
			critical: { type: "array", items: { $ref: "#/components/schemas/ChannelName" } },
		},
		required: ["info", "warning", "critical"],
	},
	RoutingSource: {
		anyOf: [
			{
				type: "object",
				properties: {
					from: { type: "string", enum: ["config"] },
					document: { type: "string" },
					version: { type: "number" },
					loadedAt: { type: "string" },
				},
				required: ["from", "document", "version", "loadedAt"],
			},
			{
				type: "object",
				properties: { from: { type: "string", enum: ["settings"] }, reason: { type: "string" } },
				required: ["from", "reason"],
			},
		],
	},
	Counters: {
		type: "object",
		properties: { delivered: { type: "number" }, failed: { type: "number" }, skipped: { type: "number" } },
		required: ["delivered", "failed", "skipped"],
	},
	NotificationBacklog: {
		type: "object",
		properties: {
			"alert.raised": { type: "number" },
			"alert.resolved": { type: "number" },
			"notification.requested": { type: "number" },
			total: { type: "number" },
		},
		required: ["alert.raised", "alert.resolved", "notification.requested", "total"],
	},
	ChannelName: { type: "string", enum: ["telegram", "email"] },
};
