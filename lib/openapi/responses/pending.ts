/**
 * HTTP 202 of the routes that send a transaction and wait for it to be mined: when it is not mined
 * within the call's time, the answer names the transaction to follow instead of sending it again
 * (lib/wallet/wait-budget.ts pendingAnswer; a swap adds its quote and slippage bounds).
 */
import type { SchemaObject } from "../types";
import type { ComponentSchemas } from "./types";

export const PENDING_TX_REF: SchemaObject = { $ref: "#/components/schemas/PendingTransaction" };

/** Actions whose route may answer 202 with a PendingTransaction. */
export const PENDING_TX_ACTIONS: ReadonlySet<string> = new Set([
	"dex.swap",
	"liquidity.v2Add",
	"liquidity.v2Remove",
	"liquidity.v3Mint",
	"liquidity.v3Increase",
	"liquidity.v3Decrease",
	"liquidity.v3Collect",
	"liquidity.v3Close",
]);

export const pendingSchemas: ComponentSchemas = {
	PendingTransaction: {
		type: "object",
		description: "A transaction sent but not mined within the call's time: follow it with `reconcile.route`, never send it again.",
		properties: {
			status: { type: "string", enum: ["pending", "unknown"], description: "unknown: broadcast without an answer from the node." },
			step: { type: "string", description: "What the transaction does, e.g. `swap`." },
			hash: { type: "string" },
			account: { type: "string" },
			nonce: { type: "number" },
			message: { type: "string" },
			reconcile: {
				type: "object",
				properties: {
					action: { type: "string" },
					params: { type: "object", properties: { hash: { type: "string" } }, required: ["hash"] },
					route: { type: "string" },
				},
				required: ["action", "params", "route"],
			},
			quoteId: { type: "string", description: "dex.swap: the quote it was sent from." },
			slippageBps: { type: "number", description: "dex.swap." },
			deadline: { type: "number", description: "dex.swap: Unix seconds." },
			amountOutMinimum: { type: "string", description: "dex.swap, exact-in." },
			amountOutMinimumBaseUnits: { type: "string", description: "dex.swap, exact-in." },
			amountInMaximum: { type: "string", description: "dex.swap, exact-out." },
			amountInMaximumBaseUnits: { type: "string", description: "dex.swap, exact-out." },
		},
		required: ["status", "step", "hash", "account", "nonce", "message", "reconcile"],
	},
};
