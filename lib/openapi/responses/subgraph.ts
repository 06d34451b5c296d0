/** Response bodies of the subgraph service's routes, by action name, and the component schemas they introduce. */
import type { SchemaObject } from "../types";
import type { ActionResponses, ComponentSchemas } from "./types";

/** A subgraph answer: fresh, or (stale: true) the last good one when the subgraph failed, with why. */
function result(data: SchemaObject): SchemaObject {
	return {
		type: "object",
		properties: {
			data,
			stale: { type: "boolean" },
			fetchedAt: { type: "string", format: "date-time" },
			staleSince: { type: "string", format: "date-time", description: "When stale." },
			error: {
				type: "object",
				description: "When stale: the failure that made it so.",
				properties: { type: { type: "string" }, message: { type: "string" } },
				required: ["type", "message"],
			},
		},
		required: ["data", "stale", "fetchedAt"],
	};
}

export const subgraphResponses: ActionResponses = {
	"subgraph.topPools": result({ type: "array", items: { $ref: "#/components/schemas/SubgraphPool" } }),
	"subgraph.poolDayData": result({ type: "array", items: { $ref: "#/components/schemas/SubgraphPoolDay" } }),
	"subgraph.tokenPrice": result({ allOf: [{ $ref: "#/components/schemas/SubgraphTokenPrice" }], nullable: true }),
};

export const subgraphSchemas: ComponentSchemas = {
	SubgraphPool: {
		type: "object",
		properties: {
			address: { type: "string" },
			feeTier: { type: "number" },
			feeRate: { type: "string" },
			token0: { $ref: "#/components/schemas/SubgraphToken" },
			token1: { $ref: "#/components/schemas/SubgraphToken" },
			token0Price: { type: "string" },
			token1Price: { type: "string" },
			liquidity: { type: "string" },
			sqrtPriceX96: { type: "string" },
			tick: { type: "number", nullable: true },
			tvlUSD: { type: "string" },
			tvlToken0: { type: "string" },
			tvlToken1: { type: "string" },
			volumeUSD: { type: "string" },
			feesUSD: { type: "string" },
			txCount: { type: "string" },
		},
		required: [
			"address", "feeTier", "feeRate", "token0", "token1", "token0Price", "token1Price", "liquidity", "sqrtPriceX96",
			"tick", "tvlUSD", "tvlToken0", "tvlToken1", "volumeUSD", "feesUSD", "txCount",
		],
	},
	SubgraphPoolDay: {
		type: "object",
		properties: {
			date: { type: "string" },
			timestamp: { type: "number" },
			volumeUSD: { type: "string" },
			tvlUSD: { type: "string" },
			feesUSD: { type: "string" },
			txCount: { type: "string" },
			token0Price: { type: "string" },
			token1Price: { type: "string" },
			open: { type: "string" },
			high: { type: "string" },
			low: { type: "string" },
			close: { type: "string" },
		},
		required: [
			"date", "timestamp", "volumeUSD", "tvlUSD", "feesUSD", "txCount", "token0Price", "token1Price", "open", "high", "low",
			"close",
		],
	},
	SubgraphTokenPrice: {
		type: "object",
		properties: {
			derivedETH: { type: "string" },
			ethPriceUSD: { type: "string" },
			priceUSD: { type: "string" },
			address: { type: "string" },
			symbol: { type: "string" },
			name: { type: "string" },
			decimals: { type: "number" },
		},
		required: ["derivedETH", "ethPriceUSD", "priceUSD", "address", "symbol", "name", "decimals"],
	},
	SubgraphToken: {
		type: "object",
		properties: {
			address: { type: "string" },
			symbol: { type: "string" },
			name: { type: "string" },
			decimals: { type: "number" },
		},
		required: ["address", "symbol", "name", "decimals"],
	},
};
