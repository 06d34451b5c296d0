/** Response bodies of the dex-price-feed service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const dexPriceFeedResponses: ActionResponses = {
	"dex-price-feed.latest": { $ref: "#/components/schemas/DexPriceUpdate" },
	"dex-price-feed.status": {
		type: "object",
		properties: {
			pollMs: { type: "number" },
			maxBlockGap: { type: "number" },
			fallbackBlocks: { type: "number" },
			pools: { type: "number" },
			lastBlock: { type: "number", nullable: true },
			lastHash: { type: "string", nullable: true },
			updates: { type: "number" },
			events: { type: "number" },
			resyncs: { type: "number" },
			reorgs: { type: "number" },
			gaps: { type: "number" },
			fallbackReads: { type: "number" },
			lastResyncReason: { type: "string", nullable: true },
			lastError: { type: "string", nullable: true },
		},
		required: [
			"pollMs", "maxBlockGap", "fallbackBlocks", "pools", "lastBlock", "lastHash", "updates", "events", "resyncs", "reorgs",
			"gaps", "fallbackReads", "lastResyncReason", "lastError",
		],
	},
};

export const dexPriceFeedSchemas: ComponentSchemas = {
	DexPriceUpdate: {
		type: "object",
		properties: {
			dex: { $ref: "#/components/schemas/Protocol" },
			pool: { type: "string" },
			base: { type: "string" },
			quote: { type: "string" },
			price: { type: "string" },
			liquidity: { type: "string" },
			block: { type: "number" },
			ts: { type: "number" },
			fee: { type: "number" },
			source: { type: "string", enum: ["event", "poll", "resync"] },
			sqrtPriceX96: { type: "string" },
			tick: { type: "number" },
			reserve0: { type: "string" },
			reserve1: { type: "string" },
		},
		required: ["dex", "pool", "base", "quote", "price", "liquidity", "block", "ts", "fee", "source"],
	},
};
