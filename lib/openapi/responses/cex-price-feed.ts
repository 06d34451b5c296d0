/** Response bodies of the cex-price-feed service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const cexPriceFeedResponses: ActionResponses = {
	"cex-price-feed.status": {
		type: "object",
		properties: {
			markets: {
				type: "array",
				items: {
					type: "object",
					properties: {
						stale: { type: "boolean" },
						exchange: { type: "string" },
						symbol: { type: "string" },
						mode: { $ref: "#/components/schemas/SourceMode" },
						state: { $ref: "#/components/schemas/WatcherState" },
						updates: { type: "number" },
						reconnects: { type: "number" },
						resyncs: { type: "number" },
						errors: { type: "number" },
						lastUpdate: { type: "number", nullable: true },
						lastError: { allOf: [{ $ref: "#/components/schemas/WatcherError" }], nullable: true },
					},
					required: [
						"stale", "exchange", "symbol", "mode", "state", "updates", "reconnects", "resyncs", "errors",
						"lastUpdate", "lastError",
					],
				},
			},
			failed: {
				type: "array",
				items: {
					type: "object",
					properties: {
						state: { type: "string" },
						error: { type: "string" },
						exchange: { type: "string" },
						symbol: { type: "string" },
					},
					required: ["state", "error", "exchange", "symbol"],
				},
			},
			totals: {
				type: "object",
				properties: { updates: { type: "number" }, reconnects: { type: "number" }, resyncs: { type: "number" } },
				required: ["updates", "reconnects", "resyncs"],
			},
			staleThresholdMs: { type: "number" },
		},
		required: ["markets", "failed", "totals", "staleThresholdMs"],
	},
	"cex-price-feed.latest": { $ref: "#/components/schemas/CexPriceUpdate" },
};

export const cexPriceFeedSchemas: ComponentSchemas = {
	SourceMode: { type: "string", enum: ["rest", "ws", "paper"] },
	WatcherState: { type: "string", enum: ["idle", "connecting", "live", "resyncing", "backoff", "stopped"] },
	WatcherError: {
		type: "object",
		properties: {
			kind: { $ref: "#/components/schemas/FailureKind" },
			type: { type: "string" },
			message: { type: "string" },
			at: { type: "number" },
		},
		required: ["kind", "type", "message", "at"],
	},
	CexPriceUpdate: {
		type: "object",
		properties: {
			exchange: { type: "string" },
			symbol: { type: "string" },
			bid: { type: "string" },
			ask: { type: "string" },
			mid: { type: "string" },
			bidSize: { type: "string" },
			askSize: { type: "string" },
			ts: { type: "number" },
			receivedAt: { type: "number" },
			bids: { type: "array", items: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 } },
			asks: { type: "array", items: { type: "array", items: { type: "string" }, minItems: 2, maxItems: 2 } },
		},
		required: ["exchange", "symbol", "bid", "ask", "mid", "bidSize", "askSize", "ts", "receivedAt"],
	},
	FailureKind: { type: "string", enum: ["gap", "network", "error"] },
};
