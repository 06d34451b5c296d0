/** Response bodies of the fee service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const feeResponses: ActionResponses = {
	"fee.rates": { $ref: "#/components/schemas/FeeSchedule" },
	"fee.estimate": {
		type: "object",
		properties: {
			currency: { type: "string" },
			fee: { type: "string" },
			side: { $ref: "#/components/schemas/TradeSide" },
			notional: { type: "string" },
			feeRate: { type: "string" },
			feeCurrency: { type: "string", enum: ["quote", "base"] },
			feeInQuote: { type: "string" },
			feeInBase: { type: "string" },
			exchange: { type: "string" },
			symbol: { type: "string" },
			role: { type: "string", enum: ["maker", "taker"] },
			source: { $ref: "#/components/schemas/FeeScheduleSource" },
			feeSide: { $ref: "#/components/schemas/FeeSide" },
		},
		required: [
			"currency", "fee", "side", "notional", "feeRate", "feeCurrency", "feeInQuote", "exchange", "symbol", "role", "source",
			"feeSide",
		],
	},
	"fee.estimateRoute": { $ref: "#/components/schemas/RouteCost" },
};

export const feeSchemas: ComponentSchemas = {
	TradeSide: { type: "string", enum: ["buy", "sell"] },
	FeeSide: { type: "string", enum: ["get", "give", "quote", "base"] },
	RouteCost: {
		type: "object",
		properties: {
			legs: { type: "array", items: { $ref: "#/components/schemas/RouteLegCost" } },
			tradingFees: { type: "string" },
			gasCosts: { type: "string" },
			total: { type: "string" },
		},
		required: ["legs", "tradingFees", "gasCosts", "total"],
	},
	RouteLegCost: { anyOf: [{ $ref: "#/components/schemas/CexLegCost" }, { $ref: "#/components/schemas/DexLegCost" }] },
	CexLegCost: {
		type: "object",
		properties: {
			venue: { type: "string", enum: ["cex"] },
			exchange: { type: "string" },
			symbol: { type: "string" },
			role: { type: "string", enum: ["maker", "taker"] },
			notional: { type: "string" },
			feeCurrency: { type: "string", enum: ["quote", "base"] },
			feeInBase: { type: "string" },
			index: { type: "number" },
			tradingFee: { type: "string" },
			gasCost: { type: "string" },
			total: { type: "string" },
		},
		required: ["venue", "exchange", "symbol", "role", "notional", "feeCurrency", "index", "tradingFee", "gasCost", "total"],
	},
	DexLegCost: {
		type: "object",
		properties: {
			venue: { type: "string", enum: ["dex"] },
			pool: { type: "string" },
			feeRate: { type: "string" },
			feeInTokenIn: { type: "string" },
			gasNative: { type: "string" },
			index: { type: "number" },
			tradingFee: { type: "string" },
			gasCost: { type: "string" },
			total: { type: "string" },
		},
		required: ["venue", "pool", "feeRate", "feeInTokenIn", "gasNative", "index", "tradingFee", "gasCost", "total"],
	},
};
