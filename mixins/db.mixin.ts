/**
 * Gives a service a sequelize-backed entity store (moleculer-db) on SQLite or
 * PostgreSQL. The service's migrations run before the adapter connects, so a fresh
 * PostgreSQL gets its schema. Entity changes are announced as
 * `<service>.entity.<created|updated|removed>`, and moleculer-db's
 * `cache.clean.<service>` broadcast clears the service's cache on every node.
 *
 * moleculer-db's generic CRUD actions are switched off: each service publishes its
 * own validated actions instead, so nothing reaches a table unchecked.
 */
import type { Context, ServiceSchema } from "moleculer";
import DbService from "moleculer-db";
import SequelizeAdapter from "moleculer-db-adapter-sequelize";
import type { ModelAttributes, ModelOptions, Sequelize } from "sequelize";
import { acquireSequelize, releaseSequelize } from "../lib/db/connection";
import { migrateUp, type Migration } from "../lib/db/migrations";
import type { DatabaseSettings } from "../lib/runtime/env";

export interface DbMixinOptions {
  /** The owning service's Moleculer name: scopes its events and cache keys (and its migrations, unless `migrationsAs`). */
  service: string;
  /** The key its migration history is recorded under in schema_migrations, when not `service` (kept for existing databases). */
  migrationsAs?: string;
  /** Table of the service's main entity (moleculer-db serves one model per service). */
  table: string;
  define: ModelAttributes;
  options?: ModelOptions;
  /** Migrations for every table the service owns, the main one included. */
  migrations: Migration[];
  database: DatabaseSettings;
}

const CRUD_ACTIONS = ["list", "find", "count", "get", "create", "insert", "update", "remove"];

type AdapterBase = new (...args: unknown[]) => {
  opts: unknown[];
  db: Sequelize;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
};

/** Runs the service's migrations on the process-wide connection, then lets moleculer-db connect. */
class MigratingSequelizeAdapter extends (SequelizeAdapter as unknown as AdapterBase) {
  constructor(
    private readonly database: DatabaseSettings,
    private readonly serviceName: string,
    private readonly migrations: Migration[],
  ) {
    super({});
  }

  override async connect(): Promise<void> {
    const sequelize = acquireSequelize(this.database);
    try {
      await migrateUp(sequelize, this.serviceName, this.migrations);
    } catch (err) {
      await releaseSequelize(sequelize);
      throw err;
    }
    this.opts = [sequelize];
    return super.connect();
  }

  override async disconnect(): Promise<void> {
    if (this.db) await releaseSequelize(this.db);
  }
}

type EmittingThis = { broker: { emit(event: string, payload?: unknown): Promise<void> } };

function announce(service: string, verb: "created" | "updated" | "removed") {
  return async function (this: EmittingThis, json: unknown, ctx?: Context) {
    const event = `${service}.entity.${verb}`;
    await (ctx ? ctx.emit(event, json) : this.broker.emit(event, json));
  };
}

export function createDbMixin(opts: DbMixinOptions): Partial<ServiceSchema> {
  const schema = {
    mixins: [DbService],
    adapter: new MigratingSequelizeAdapter(opts.database, opts.migrationsAs ?? opts.service, opts.migrations),
    model: {
      name: opts.table,
      define: opts.define,
      options: { tableName: opts.table, timestamps: false, ...opts.options },
    },
    actions: Object.fromEntries(CRUD_ACTIONS.map((name) => [name, false])),
    events: {
      async [`cache.clean.${opts.service}`](this: { broker: { cacher?: { clean(match: string): Promise<unknown> } } }) {
        await this.broker.cacher?.clean(`${opts.service}.**`);
      },
    },
    entityCreated: announce(opts.service, "created"),
    entityUpdated: announce(opts.service, "updated"),
    entityRemoved: announce(opts.service, "removed"),
  };
  return schema as unknown as Partial<ServiceSchema>;
}

/** The Sequelize instance behind a service using the db mixin (for its secondary tables). */
export function sequelizeOf(service: unknown): Sequelize {
  return (service as { adapter: { db: Sequelize } }).adapter.db;
}
