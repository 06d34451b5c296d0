/**
 * The success bodies of the gateway's routes, by action name, and the component schemas they use.
 * One file per service; an action may instead declare `response` (a JSON Schema) itself, which wins
 * (see lib/api/routes.ts). test/integration/openapi-responses.test.ts checks them against the real
 * answers of the embedded system.
 */
import type { SchemaObject } from "../types";
import { alertingResponses, alertingSchemas } from "./alerting";
import { apiResponses, apiSchemas } from "./api";
import { arbitrageResponses, arbitrageSchemas } from "./arbitrage";
import { authResponses, authSchemas } from "./auth";
import { backtestResponses, backtestSchemas } from "./backtest";
import { cexResponses, cexSchemas } from "./cex";
import { cexPriceFeedResponses, cexPriceFeedSchemas } from "./cex-price-feed";
import { configResponses, configSchemas } from "./config";
import { dbMaintenanceResponses, dbMaintenanceSchemas } from "./db-maintenance";
import { dexResponses, dexSchemas } from "./dex";
import { dexPriceFeedResponses, dexPriceFeedSchemas } from "./dex-price-feed";
import { feeResponses, feeSchemas } from "./fee";
import { keysResponses, keysSchemas } from "./keys";
import { liquidityResponses, liquiditySchemas } from "./liquidity";
import { marketMakerResponses, marketMakerSchemas } from "./market-maker";
import { monitoringResponses, monitoringSchemas } from "./monitoring";
import { notificationResponses, notificationSchemas } from "./notification";
import { PENDING_TX_ACTIONS, PENDING_TX_REF, pendingSchemas } from "./pending";
import { subgraphResponses, subgraphSchemas } from "./subgraph";
import type { ActionResponses, ComponentSchemas } from "./types";
import { walletResponses, walletSchemas } from "./wallet";

export type { ActionResponses, ComponentSchemas } from "./types";

function merge(parts: readonly ActionResponses[], what: string): Readonly<Record<string, SchemaObject>> {
	const all: Record<string, SchemaObject> = {};
	for (const part of parts) {
		for (const [name, schema] of Object.entries(part)) {
			if (name in all) throw new Error(`OpenAPI ${what} "${name}" is defined twice`);
			all[name] = schema;
		}
	}
	return all;
}

export const ACTION_RESPONSES: ActionResponses = merge(
	[
		alertingResponses, apiResponses, arbitrageResponses, authResponses, backtestResponses, cexResponses, cexPriceFeedResponses, configResponses, dbMaintenanceResponses,
		dexResponses, dexPriceFeedResponses, feeResponses, keysResponses, liquidityResponses, marketMakerResponses, monitoringResponses, notificationResponses, subgraphResponses, walletResponses,
	],
	"response of action",
);

export const RESPONSE_SCHEMAS: ComponentSchemas = merge(
	[
		alertingSchemas, apiSchemas, arbitrageSchemas, authSchemas, backtestSchemas, cexSchemas, cexPriceFeedSchemas, configSchemas, dbMaintenanceSchemas, dexSchemas,
		dexPriceFeedSchemas, feeSchemas, keysSchemas, liquiditySchemas, marketMakerSchemas, monitoringSchemas, notificationSchemas, pendingSchemas, subgraphSchemas, walletSchemas,
	],
	"component schema",
);

/** The 202 body of an action whose route answers a transaction still pending that way, else undefined. */
export function acceptedResponseOf(action: string): SchemaObject | undefined {
	return PENDING_TX_ACTIONS.has(action) ? PENDING_TX_REF : undefined;
}
