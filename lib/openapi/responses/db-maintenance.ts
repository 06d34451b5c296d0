/** Response bodies of the db-maintenance service's routes, by action name, and the component schemas they introduce. */
import type { ActionResponses, ComponentSchemas } from "./types";

export const dbMaintenanceResponses: ActionResponses = {
	"db-maintenance.migrations": { type: "array", items: { $ref: "#/components/schemas/ServiceMigrations" } },
	"db-maintenance.migrate": {
		type: "object",
		properties: {
			service: { type: "string" },
			direction: { type: "string", enum: ["up", "down"] },
			migrations: { type: "array", items: { type: "string" } },
		},
		required: ["service", "direction", "migrations"],
	},
	"db-maintenance.retention": {
		type: "object",
		properties: {
			tables: { type: "array", items: { $ref: "#/components/schemas/RetentionOutcome" } },
			deleted: { type: "number" },
		},
		required: ["tables", "deleted"],
	},
	"db-maintenance.vacuum": { $ref: "#/components/schemas/VacuumResult" },
	"db-maintenance.stats": { $ref: "#/components/schemas/DatabaseStats" },
	"db-maintenance.backup": { $ref: "#/components/schemas/BackupResult" },
};

export const dbMaintenanceSchemas: ComponentSchemas = {
	ServiceMigrations: {
		type: "object",
		properties: {
			service: { type: "string" },
			applied: {
				type: "array",
				items: {
					type: "object",
					properties: { name: { type: "string" }, executedAt: { type: "string" } },
					required: ["name", "executedAt"],
				},
			},
			pending: { type: "array", items: { type: "string" } },
		},
		required: ["service", "applied", "pending"],
	},
	RetentionOutcome: {
		type: "object",
		properties: {
			table: { type: "string" },
			deleted: { type: "number", nullable: true },
			keepDays: { type: "number" },
			cutoff: { type: "string" },
			skipped: { type: "string", nullable: true },
		},
		required: ["table", "deleted", "keepDays", "cutoff", "skipped"],
	},
	VacuumResult: {
		type: "object",
		properties: {
			dialect: { type: "string" },
			statement: { type: "string" },
			tables: { type: "array", items: { type: "string" } },
			durationMs: { type: "number" },
		},
		required: ["dialect", "statement", "tables", "durationMs"],
	},
	DatabaseStats: {
		type: "object",
		properties: {
			dialect: { type: "string" },
			databaseBytes: { type: "number" },
			tables: { type: "array", items: { $ref: "#/components/schemas/TableStats" } },
		},
		required: ["dialect", "databaseBytes", "tables"],
	},
	BackupResult: {
		type: "object",
		properties: {
			file: { type: "string" },
			bytes: { type: "number" },
			format: { type: "string", enum: ["pg_dump-custom", "sqlite"] },
			durationMs: { type: "number" },
		},
		required: ["file", "bytes", "format", "durationMs"],
	},
	TableStats: {
		type: "object",
		properties: { table: { type: "string" }, rows: { type: "number" }, bytes: { type: "number", nullable: true } },
		required: ["table", "rows", "bytes"],
	},
};
