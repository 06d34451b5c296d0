/** Response bodies of the wallet service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const walletResponses: ActionResponses = {
	"wallet.accounts": {
		type: "object",
		properties: {
			chainId: { type: "number", nullable: true },
			accounts: {
				type: "array",
				items: {
					type: "object",
					properties: { address: { type: "string" }, label: { type: "string" } },
					required: ["address", "label"],
				},
			},
		},
		required: ["chainId", "accounts"],
	},
	"wallet.balance": {
		type: "object",
		description: "The native coin's balance, or an ERC-20 token's (then with its address).",
		properties: {
			account: { type: "string" },
			token: { type: "string" },
			address: { type: "string", description: "The token contract; absent for the native coin." },
			decimals: { type: "number" },
			balance: { type: "string", description: "Decimal string in whole units." },
			baseUnits: { type: "string", description: "Integer string in the token's base units." },
		},
		required: ["account", "token", "decimals", "balance", "baseUnits"],
	},
	"wallet.transfer": { $ref: "#/components/schemas/TxRecord" },
	"wallet.approve": { $ref: "#/components/schemas/TxRecord" },
	"wallet.allowance": {
		type: "object",
		properties: {
			account: { type: "string" },
			token: { type: "string" },
			spender: { type: "string" },
			allowance: { type: "string" },
			baseUnits: { type: "string" },
		},
		required: ["account", "token", "spender", "allowance", "baseUnits"],
	},
	"wallet.tx": { $ref: "#/components/schemas/TxRecord" },
	"wallet.txStatus": { type: "array", items: { $ref: "#/components/schemas/TxRecord" } },
	"wallet.txs": { type: "array", items: { $ref: "#/components/schemas/TxRecord" } },
	"wallet.speedUp": { $ref: "#/components/schemas/TxRecord" },
	"wallet.cancel": { $ref: "#/components/schemas/TxRecord" },
};

export const walletSchemas: ComponentSchemas = {
	TxRecord: {
		description: "A transaction the wallet sent and follows until it is final.",
		type: "object",
		properties: {
			hash: { type: "string" },
			kind: { $ref: "#/components/schemas/TxKind" },
			from: { type: "string" },
			to: { type: "string" },
			nonce: { type: "number" },
			value: { type: "string" },
			data: { type: "string" },
			gasLimit: { type: "string" },
			maxFeePerGas: { type: "string" },
			maxPriorityFeePerGas: { type: "string" },
			status: { $ref: "#/components/schemas/TxStatus" },
			replaces: { type: "string" },
			replacedBy: { type: "string" },
			blockNumber: { type: "number" },
			gasUsed: { type: "string" },
			reason: { type: "string" },
		},
		required: [
			"hash", "kind", "from", "to", "nonce", "value", "data", "gasLimit", "maxFeePerGas", "maxPriorityFeePerGas", "status",
		],
	},
	TxKind: { type: "string", enum: ["call", "native-transfer", "erc20-transfer", "approve", "speed-up", "cancel"] },
	TxStatus: { type: "string", enum: ["pending", "failed", "confirmed", "replaced", "unknown"] },
};
