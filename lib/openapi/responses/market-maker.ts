/** Response bodies of the mm service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const marketMakerResponses: ActionResponses = {
	"mm.status": {
		type: "object",
		properties: {
			killSwitch: { $ref: "#/components/schemas/KillSwitch" },
			errors: {
				type: "array",
				items: {
					type: "object",
					properties: { name: { type: "string" }, error: { type: "string" } },
					required: ["name", "error"],
				},
			},
			bots: { type: "array", items: { $ref: "#/components/schemas/Bot" } },
		},
		required: ["killSwitch", "errors", "bots"],
	},
	"mm.pnl": {
		type: "object",
		properties: {
			bots: {
				type: "array",
				items: {
					type: "object",
					properties: {
						bot: { type: "string" },
						exchange: { type: "string" },
						symbol: { type: "string" },
						position: { type: "string" },
						avgEntryPrice: { type: "string" },
						realized: { type: "string" },
						unrealized: { type: "string" },
						total: { type: "string" },
						feesPaid: { type: "string" },
						volume: { type: "string" },
						fills: { type: "number" },
					},
					required: [
						"bot", "exchange", "symbol", "position", "avgEntryPrice", "realized", "unrealized", "total", "feesPaid",
						"volume", "fills",
					],
				},
			},
			total: {
				type: "object",
				properties: {
					realized: { type: "string" },
					unrealized: { type: "string" },
					total: { type: "string" },
					feesPaid: { type: "string" },
				},
				required: ["realized", "unrealized", "total", "feesPaid"],
			},
		},
		required: ["bots", "total"],
	},
	"mm.fills": { type: "array", items: { $ref: "#/components/schemas/BotFill" } },
	"mm.pnlHistory": {
		type: "array",
		items: {
			type: "object",
			properties: {
				timestamp: { type: "number" },
				position: { type: "string" },
				realized: { type: "string" },
				unrealized: { type: "string" },
				feesPaid: { type: "string" },
			},
			required: ["timestamp", "position", "realized", "unrealized", "feesPaid"],
		},
	},
	"mm.pause": {
		type: "object",
		properties: { bot: { type: "string" }, state: { type: "string" } },
		required: ["bot", "state"],
	},
	"mm.resumeBot": {
		type: "object",
		properties: { bot: { type: "string" }, state: { type: "string" } },
		required: ["bot", "state"],
	},
	"mm.killSwitch": {
		type: "object",
		properties: {
			stoppedHere: { type: "number" },
			reason: { type: "string" },
			at: { type: "string" },
			by: { type: "string", nullable: true },
			engaged: { type: "boolean" },
		},
		required: ["stoppedHere", "reason", "at", "by", "engaged"],
	},
	"mm.resume": { type: "object", properties: { engaged: { type: "boolean" } }, required: ["engaged"] },
};

export const marketMakerSchemas: ComponentSchemas = {
	Bot: {
		type: "object",
		description: "A configured bot: its strategy document, where it runs, and (when its node answered) its live state.",
		properties: {
			name: { type: "string" },
			enabled: { type: "boolean" },
			node: { type: "string", nullable: true, description: "The node running it; null when none does." },
			state: { type: "string" },
			haltReason: { type: "string", nullable: true },
			exchange: { type: "string" },
			symbol: { type: "string" },
			strategy: { type: "string" },
			live: { $ref: "#/components/schemas/BotLive" },
		},
		required: ["name", "enabled", "node", "state", "haltReason"],
	},
	BotLive: {
		description: "The bot as the node running it sees it now.",
		type: "object",
		properties: {
			name: { type: "string" },
			exchange: { type: "string" },
			symbol: { type: "string" },
			strategy: { type: "string" },
			state: { $ref: "#/components/schemas/BotState" },
			haltReason: { type: "string", nullable: true },
			liveOrders: { type: "array", items: { $ref: "#/components/schemas/LiveOrder" } },
			inventory: {
				type: "object",
				properties: { base: { type: "string" }, quote: { type: "string" } },
				required: ["base", "quote"],
			},
			ledger: { $ref: "#/components/schemas/LedgerSnapshot" },
			unrealized: { type: "string" },
			mid: { type: "string", nullable: true },
			priceReceivedAt: { type: "number", nullable: true },
			feedAliveAt: { type: "number", nullable: true },
			lastRequoteAt: { type: "number", nullable: true },
			lastRisk: {
				type: "object",
				properties: {
					blocked: { type: "string", nullable: true },
					rejected: { type: "array", items: { type: "string" } },
				},
				required: ["blocked", "rejected"],
			},
			strategyState: {
				type: "object",
				additionalProperties: { anyOf: [{ type: "string" }, { type: "number" }], nullable: true },
			},
			requotes: { type: "number" },
			node: { type: "string" },
			unquoted: {
				description: "Sides the bot does not quote now, and why (one warning is logged per change).",
				type: "array",
				items: {
					type: "object",
					properties: {
						side: { type: "string", enum: ["buy", "sell"] },
						cause: { type: "string", enum: ["strategy", "rounding", "risk"], description: "strategy: no order proposed; rounding: dropped at the tick, lot or minimums; risk: refused by the pre-trade check." },
						reason: { type: "string" },
						since: { type: "number", description: "Clock time (ms) since when the side has not been quoted." },
					},
					required: ["side", "cause", "reason", "since"],
				},
			},
			widened: {
				description: "Quotes pushed away from the strategy's price (e.g. by the fee floor), and why; null when none is.",
				type: "object",
				nullable: true,
				properties: {
					sides: { type: "string", description: '"buy", "sell" or "buy,sell".' },
					reason: { type: "string" },
					since: { type: "number" },
				},
				required: ["sides", "reason", "since"],
			},
		},
		required: [
			"name", "exchange", "symbol", "strategy", "state", "haltReason", "liveOrders", "inventory",
			"ledger", "unrealized", "mid", "priceReceivedAt", "feedAliveAt", "lastRequoteAt", "lastRisk",
			"strategyState", "requotes", "node", "unquoted", "widened",
		],
	},
	KillSwitch: {
		type: "object",
		description: "The desk-wide kill switch: while engaged no bot quotes.",
		properties: {
			engaged: { type: "boolean" },
			reason: { type: "string", description: "When engaged." },
			at: { type: "string", format: "date-time", description: "When engaged." },
		},
		required: ["engaged"],
	},
	BotState: { type: "string", enum: ["stopped", "starting", "running", "paused", "halted"] },
	LiveOrder: {
		description: "An order the bot has on the book now.",
		type: "object",
		properties: {
			clientOrderId: { type: "string" },
			side: { type: "string", enum: ["buy", "sell"] },
			price: { type: "string" },
			amount: { type: "string" },
			remaining: { type: "string" },
			placedAt: { type: "number" },
			level: { type: "number" },
			hanging: { type: "boolean" },
		},
		required: ["clientOrderId", "side", "price", "amount", "remaining", "placedAt", "level", "hanging"],
	},
	LedgerSnapshot: {
		description: "A bot's position and PnL from its booked fills (decimal strings, in the quote currency).",
		type: "object",
		properties: {
			base: { type: "string" },
			quote: { type: "string" },
			position: { type: "string" },
			avgEntryPrice: { type: "string" },
			realized: { type: "string" },
			feesPaid: { type: "string" },
			volume: { type: "string" },
			fills: { type: "number" },
			lastFillAt: { type: "number", nullable: true },
			otherFees: { type: "object", additionalProperties: { type: "string" } },
		},
		required: ["base", "quote", "position", "avgEntryPrice", "realized", "feesPaid", "volume", "fills", "lastFillAt"],
	},
	BotFill: {
		description: "A fill booked in a bot's ledger (decimal strings); `seq` orders a bot's fills.",
		type: "object",
		properties: {
			seq: { type: "number" },
			bot: { type: "string" },
			exchange: { type: "string" },
			symbol: { type: "string" },
			clientOrderId: { type: "string", nullable: true },
			role: { type: "string", enum: ["maker", "hedge"] },
			tradeId: { type: "string" },
			side: { type: "string", enum: ["buy", "sell"] },
			price: { type: "string" },
			amount: { type: "string" },
			feeCost: { type: "string", nullable: true },
			feeCurrency: { type: "string", nullable: true },
			ts: { type: "number" },
		},
		required: [
			"seq", "bot", "exchange", "symbol", "clientOrderId", "role", "tradeId", "side", "price", "amount", "feeCost",
			"feeCurrency", "ts",
		],
	},
};
