/** Response bodies of the auth service's routes, by action name, and the component schemas they introduce. */
import type { SchemaObject } from "../types";
import type { ActionResponses, ComponentSchemas } from "./types";

const ROLE: SchemaObject = { $ref: "#/components/schemas/Role" };
const USER: SchemaObject = { $ref: "#/components/schemas/User" };
const API_TOKEN: SchemaObject = { $ref: "#/components/schemas/ApiToken" };

const USER_FIELDS: Record<string, SchemaObject> = {
	id: { type: "integer" },
	username: { type: "string" },
	role: ROLE,
	disabled: { type: "boolean" },
	createdAt: { type: "string", format: "date-time" },
};

const TOKEN_FIELDS: Record<string, SchemaObject> = {
	id: { type: "integer" },
	userId: { type: "integer" },
	name: { type: "string" },
	hint: { type: "string", description: "The token's last characters, to tell tokens apart; the token itself is never shown again." },
	role: ROLE,
	createdAt: { type: "string", format: "date-time" },
	expiresAt: { type: "string", format: "date-time", nullable: true },
	revokedAt: { type: "string", format: "date-time", nullable: true },
};

const SESSION_FIELDS: Record<string, SchemaObject> = {
	accessToken: { type: "string", description: "A JWT to send as `Authorization: Bearer <token>`." },
	tokenType: { type: "string", enum: ["Bearer"] },
	expiresIn: { type: "integer", description: "Seconds the access token is valid." },
	refreshToken: { type: "string", description: "Single-use: POST /api/v1/auth/refresh trades it for a new session." },
	refreshExpiresIn: { type: "integer", description: "Seconds the refresh token is valid." },
	user: USER,
};

export const authResponses: ActionResponses = {
	"auth.login": { $ref: "#/components/schemas/Session" },
	"auth.refresh": { $ref: "#/components/schemas/Session" },
	"auth.logout": { type: "object", properties: { loggedOut: { type: "boolean" } }, required: ["loggedOut"] },
	"auth.unlock": {
		type: "object",
		properties: {
			unlocked: {
				type: "object",
				properties: { username: { type: "string", nullable: true }, address: { type: "string", nullable: true } },
				required: ["username", "address"],
			},
		},
		required: ["unlocked"],
	},
	"auth.me": { $ref: "#/components/schemas/Principal" },
	"auth.createUser": USER,
	"auth.listUsers": { type: "array", items: USER },
	"auth.updateUser": USER,
	"auth.deleteUser": {
		type: "object",
		description: "The deleted user.",
		properties: { deleted: { type: "boolean" }, ...USER_FIELDS },
		required: ["deleted", ...Object.keys(USER_FIELDS)],
	},
	"auth.changePassword": {
		type: "object",
		description: "A new session: every other session and refresh token of the user ends.",
		properties: { ...SESSION_FIELDS, changed: { type: "boolean" } },
		required: [...Object.keys(SESSION_FIELDS), "changed"],
	},
	"auth.createToken": {
		type: "object",
		description: "The new API token; `token` is shown only in this answer.",
		properties: { token: { type: "string" }, ...TOKEN_FIELDS },
		required: ["token", ...Object.keys(TOKEN_FIELDS)],
	},
	"auth.listTokens": { type: "array", items: API_TOKEN },
	"auth.revokeToken": API_TOKEN,
};

export const authSchemas: ComponentSchemas = {
	Role: { type: "string", enum: ["viewer", "trader", "admin"], description: "Each role may do what the roles before it may." },
	User: { type: "object", properties: USER_FIELDS, required: Object.keys(USER_FIELDS) },
	ApiToken: { type: "object", properties: TOKEN_FIELDS, required: Object.keys(TOKEN_FIELDS) },
	Session: { type: "object", properties: SESSION_FIELDS, required: Object.keys(SESSION_FIELDS) },
	Principal: {
		type: "object",
		description: "Who the bearer token says the caller is.",
		properties: {
			userId: { type: "integer" },
			username: { type: "string" },
			role: ROLE,
			via: { type: "string", enum: ["password", "api-token"] },
		},
		required: ["userId", "username", "role", "via"],
	},
};
