/** Which migrations each service owns (the lists the db mixin runs on each service's start). */
import type { Migration } from "../db/migrations";
import { authMigrations } from "../db/schemas/auth";
import { cexMigrations } from "../db/schemas/cex";
import { configMigrations } from "../db/schemas/config";

export const MIGRATION_REGISTRY: Readonly<Record<string, Migration[]>> = {
  auth: authMigrations,
  cex: cexMigrations,
  config: configMigrations,
};

export function migrationsOf(service: string, registry: Readonly<Record<string, Migration[]>> = MIGRATION_REGISTRY): Migration[] | null {
  return Object.prototype.hasOwnProperty.call(registry, service) ? registry[service] : null;
}
