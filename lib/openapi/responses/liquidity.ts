/** Response bodies of the liquidity service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const liquidityResponses: ActionResponses = {
	"liquidity.v2Add": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			pair: { type: "string" },
			account: { type: "string" },
			amountA: { $ref: "#/components/schemas/TokenAmount" },
			amountB: { $ref: "#/components/schemas/TokenAmount" },
			amountAMin: { $ref: "#/components/schemas/TokenAmount" },
			amountBMin: { $ref: "#/components/schemas/TokenAmount" },
			liquidity: {
				type: "object",
				properties: { amount: { type: "string" }, baseUnits: { type: "string" } },
				required: ["amount", "baseUnits"],
			},
		},
		required: ["txHash", "pair", "account", "amountA", "amountB", "amountAMin", "amountBMin", "liquidity"],
	},
	"liquidity.v2Remove": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			pair: { type: "string" },
			account: { type: "string" },
			amountA: { $ref: "#/components/schemas/TokenAmount" },
			amountB: { $ref: "#/components/schemas/TokenAmount" },
			amountAMin: { $ref: "#/components/schemas/TokenAmount" },
			amountBMin: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: ["txHash", "pair", "account", "amountA", "amountB", "amountAMin", "amountBMin"],
	},
	"liquidity.v3Mint": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			tokenId: { type: "string" },
			owner: { type: "string" },
			pool: { type: "string" },
			fee: { type: "number" },
			token0: { type: "string" },
			token1: { type: "string" },
			tickLower: { type: "number" },
			tickUpper: { type: "number" },
			priceLower: { type: "string" },
			priceUpper: { type: "string" },
			currentTick: { type: "number" },
			liquidity: { type: "string" },
			amount0: { $ref: "#/components/schemas/TokenAmount" },
			amount1: { $ref: "#/components/schemas/TokenAmount" },
			amount0Min: { $ref: "#/components/schemas/TokenAmount" },
			amount1Min: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: [
			"txHash", "tokenId", "owner", "pool", "fee", "token0", "token1", "tickLower", "tickUpper", "priceLower", "priceUpper",
			"currentTick", "liquidity", "amount0", "amount1", "amount0Min", "amount1Min",
		],
	},
	"liquidity.v3Increase": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			tokenId: { type: "string" },
			liquidityAdded: { type: "string" },
			amount0: { $ref: "#/components/schemas/TokenAmount" },
			amount1: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: ["txHash", "tokenId", "liquidityAdded", "amount0", "amount1"],
	},
	"liquidity.v3Decrease": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			tokenId: { type: "string" },
			liquidityRemoved: { type: "string" },
			liquidityLeft: { type: "string" },
			amount0: { $ref: "#/components/schemas/TokenAmount" },
			amount1: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: ["txHash", "tokenId", "liquidityRemoved", "liquidityLeft", "amount0", "amount1"],
	},
	"liquidity.v3Collect": {
		type: "object",
		properties: {
			txHash: { type: "string" },
			tokenId: { type: "string" },
			amount0: { $ref: "#/components/schemas/TokenAmount" },
			amount1: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: ["txHash", "tokenId", "amount0", "amount1"],
	},
	"liquidity.v3Close": {
		type: "object",
		properties: {
			fees: { $ref: "#/components/schemas/TokenAmountPair" },
			tokenId: { type: "string" },
			txHash: { type: "string" },
			owner: { type: "string" },
			burned: { type: "boolean" },
			token0: { type: "string" },
			token1: { type: "string" },
			fee: { type: "number" },
			tickLower: { type: "number" },
			tickUpper: { type: "number" },
			collected: { $ref: "#/components/schemas/TokenAmountPair" },
		},
		required: [
			"fees", "tokenId", "txHash", "owner", "burned", "token0", "token1", "fee", "tickLower", "tickUpper", "collected",
		],
	},
	"liquidity.position": { $ref: "#/components/schemas/PositionView" },
	"liquidity.positions": {
		type: "object",
		properties: {
			account: { type: "string" },
			positions: { type: "array", items: { $ref: "#/components/schemas/PositionView" } },
		},
		required: ["account", "positions"],
	},
	"liquidity.policies": { type: "array", items: { $ref: "#/components/schemas/RangePolicy" } },
	"liquidity.setPolicy": { $ref: "#/components/schemas/RangePolicy" },
};

export const liquiditySchemas: ComponentSchemas = {
	TokenAmountPair: {
		description: "An amount of each of a pool's two tokens.",
		type: "object",
		properties: {
			amount0: { $ref: "#/components/schemas/TokenAmount" },
			amount1: { $ref: "#/components/schemas/TokenAmount" },
		},
		required: ["amount0", "amount1"],
	},
	TokenAmount: {
		description: "An amount of a token, as a decimal string and in base units.",
		type: "object",
		properties: { token: { type: "string" }, amount: { type: "string" }, baseUnits: { type: "string" } },
		required: ["token", "amount", "baseUnits"],
	},
	PositionView: {
		description: "A Uniswap V3 liquidity position (amounts are decimal strings).",
		type: "object",
		properties: {
			tokenId: { type: "string" },
			owner: { type: "string" },
			pool: { type: "string" },
			token0: { type: "string" },
			token1: { type: "string" },
			fee: { type: "number" },
			tickLower: { type: "number" },
			tickUpper: { type: "number" },
			priceLower: { type: "string" },
			priceUpper: { type: "string" },
			liquidity: { type: "string" },
			currentTick: { type: "number" },
			inRange: { type: "boolean" },
			uncollected: { $ref: "#/components/schemas/TokenAmountPair" },
		},
		required: [
			"tokenId", "owner", "pool", "token0", "token1", "fee", "tickLower", "tickUpper", "priceLower", "priceUpper",
			"liquidity", "currentTick", "inRange", "uncollected",
		],
	},
	RangePolicy: {
		type: "object",
		properties: {
			tokenId: { type: "string" },
			account: { type: "string" },
			pool: { type: "string" },
			enabled: { type: "boolean" },
			params: { $ref: "#/components/schemas/RangePolicyParams" },
			slippageBps: { type: "number", nullable: true },
			state: { $ref: "#/components/schemas/PolicyState" },
			lastRecenterAt: { type: "number", nullable: true },
			lastDecision: {
				anyOf: [
					{
						type: "object",
						properties: {
							action: { type: "string", enum: ["hold"] },
							reason: { type: "string", enum: ["in_range", "grace", "min_interval", "busy"] },
						},
						required: ["action", "reason"],
					},
					{
						type: "object",
						properties: {
							action: { type: "string", enum: ["recenter"] },
							tickLower: { type: "number" },
							tickUpper: { type: "number" },
						},
						required: ["action", "tickLower", "tickUpper"],
					},
				],
				nullable: true,
			},
			lastCheckedAt: { type: "number", nullable: true },
			lastError: { type: "string", nullable: true },
			recenters: { type: "number" },
			history: { type: "array", items: { type: "string" } },
		},
		required: [
			"tokenId", "account", "pool", "enabled", "params", "slippageBps", "state", "lastRecenterAt", "lastDecision",
			"lastCheckedAt", "lastError", "recenters", "history",
		],
	},
	RangePolicyParams: {
		type: "object",
		properties: {
			minIntervalMs: { type: "number" },
			outOfRangeGraceMs: { type: "number" },
			widthPct: { type: "number" },
			tickWidth: { type: "number" },
		},
		required: ["minIntervalMs", "outOfRangeGraceMs"],
	},
	PolicyState: {
		anyOf: [
			{
				type: "object",
				properties: { kind: { type: "string", enum: ["in_range"] } },
				required: ["kind"],
			},
			{
				type: "object",
				properties: { kind: { type: "string", enum: ["out_of_range"] }, since: { type: "number" } },
				required: ["kind", "since"],
			},
			{
				type: "object",
				properties: { kind: { type: "string", enum: ["closing"] }, at: { type: "number" } },
				required: ["kind", "at"],
			},
			{
				type: "object",
				properties: { kind: { type: "string", enum: ["reopening"] }, at: { type: "number" } },
				required: ["kind", "at"],
			},
		],
	},
};
