/** Which migrations each service owns (the lists the db mixin runs on each service's start). */
import type { Migration } from "../db/migrations";
import { alertingMigrations } from "../db/schemas/alerting";
import { arbitrageMigrations } from "../db/schemas/arbitrage";
import { authMigrations } from "../db/schemas/auth";
import { backtestMigrations } from "../db/schemas/backtest";
import { cexMigrations } from "../db/schemas/cex";
import { configMigrations } from "../db/schemas/config";
import { mmMigrations } from "../db/schemas/market-maker";

export const MIGRATION_REGISTRY: Readonly<Record<string, Migration[]>> = {
  alerting: alertingMigrations,
  arbitrage: arbitrageMigrations,
  auth: authMigrations,
  backtest: backtestMigrations,
  cex: cexMigrations,
  config: configMigrations,
  "market-maker": mmMigrations,
};

export function migrationsOf(service: string, registry: Readonly<Record<string, Migration[]>> = MIGRATION_REGISTRY): Migration[] | null {
  return Object.prototype.hasOwnProperty.call(registry, service) ? registry[service] : null;
}
