/** Response bodies of the config service's routes, by action name, and the component schemas they introduce. */
import { CONFIG_KINDS, STRATEGY_PARAMS } from "../../config/kinds";
import { fastestValidatorToJsonSchema } from "../fv-to-json-schema";
import type { SchemaObject } from "../types";
import type { ActionResponses, ComponentSchemas } from "./types";

/** Component name of each kind's body schema, e.g. MarketsConfig. */
const BODY_NAMES: Readonly<Record<keyof typeof CONFIG_KINDS, string>> = {
	markets: "MarketsConfig",
	strategies: "StrategiesConfig",
	risk: "RiskConfig",
	alerts: "AlertsConfig",
	notifications: "NotificationsConfig",
};

const PARAMS_NAMES: Readonly<Record<keyof typeof STRATEGY_PARAMS, string>> = {
	pure_market_making: "PureMarketMakingParams",
	avellaneda_stoikov: "AvellanedaStoikovParams",
	glft: "GlftParams",
	cross_exchange: "CrossExchangeParams",
};

/** The kinds' schemas (lib/config/kinds.ts, what config.set validates) as JSON Schema: the bodies are typed from the same rules. */
function bodySchemas(): Record<string, SchemaObject> {
	const out: Record<string, SchemaObject> = {};
	for (const [kind, rules] of Object.entries(CONFIG_KINDS)) out[BODY_NAMES[kind as keyof typeof CONFIG_KINDS]] = fastestValidatorToJsonSchema(rules);
	for (const [strategy, rules] of Object.entries(STRATEGY_PARAMS)) {
		out[PARAMS_NAMES[strategy as keyof typeof STRATEGY_PARAMS]] = { ...fastestValidatorToJsonSchema(rules), description: `\`params\` of a ${strategy} strategy.` };
	}
	const strategies = out.StrategiesConfig;
	out.StrategiesConfig = {
		...strategies,
		properties: {
			...strategies.properties,
			params: { description: "Checked against the strategy's parameters.", anyOf: Object.values(PARAMS_NAMES).map((name) => ({ $ref: `#/components/schemas/${name}` })) },
		},
	};
	return out;
}

export const configResponses: ActionResponses = {
	"config.kinds": {
		type: "array",
		items: {
			type: "object",
			properties: {
				kind: { type: "string", enum: ["markets", "strategies", "risk", "alerts", "notifications"] },
				documents: { type: "number" },
			},
			required: ["kind", "documents"],
		},
	},
	"config.list": { type: "array", items: { $ref: "#/components/schemas/ConfigDocument" } },
	"config.get": { $ref: "#/components/schemas/ConfigDocument" },
	"config.set": { $ref: "#/components/schemas/ConfigDocument" },
	"config.history": { type: "array", items: { $ref: "#/components/schemas/ConfigDocument" } },
	"config.rollback": { $ref: "#/components/schemas/ConfigDocument" },
	"config.remove": { $ref: "#/components/schemas/ConfigDocument" },
};

export const configSchemas: ComponentSchemas = {
	ConfigDocument: {
		description: "One version of a configuration document. `version` grows by one per change; `body` is null once removed.",
		type: "object",
		properties: {
			kind: { type: "string", enum: ["markets", "strategies", "risk", "alerts", "notifications"] },
			name: { type: "string" },
			version: { type: "number" },
			body: {
				description: "The document: the schema of its `kind`.",
				anyOf: Object.values(BODY_NAMES).map((name) => ({ $ref: `#/components/schemas/${name}` })),
				nullable: true,
			},
			deleted: { type: "boolean" },
			comment: { type: "string", nullable: true },
			author: { type: "string", nullable: true },
			createdAt: { type: "string" },
		},
		required: ["kind", "name", "version", "body", "deleted", "comment", "author", "createdAt"],
	},
	...bodySchemas(),
};
