/** The db mixin on PostgreSQL: schema from migrations, entity-change events, cache cleared on change. */
import { ServiceBroker, type Context } from "moleculer";
import { DataTypes } from "sequelize";
import { createDbMixin } from "../../mixins/db.mixin";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

const columns = {
  id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
  symbol: { type: DataTypes.STRING(32), allowNull: false },
};

describe("db mixin", () => {
  let db: TempDatabase;
  let broker: ServiceBroker;
  const events: Array<{ name: string; params: unknown }> = [];

  beforeAll(async () => {
    db = await createTempDatabase();
    broker = new ServiceBroker({ logger: false, cacher: "Memory" });
    broker.createService({
      name: "widgets",
      mixins: [
        createDbMixin({
          service: "widgets",
          table: "widgets",
          define: columns,
          database: { dialect: "postgres", url: db.url },
          migrations: [{ name: "001-widgets", up: (qi) => qi.createTable("widgets", columns), down: (qi) => qi.dropTable("widgets") }],
        }),
      ],
      actions: {
        add: { params: { symbol: "string" }, handler(this: any, ctx: Context<{ symbol: string }>) { return this._create(ctx, ctx.params); } },
        count: { cache: true, handler(this: any) { return this.adapter.count(); } },
      },
    });
    broker.createService({
      name: "watcher",
      events: {
        "widgets.entity.*"(ctx: Context) {
          events.push({ name: String(ctx.eventName), params: ctx.params });
        },
      },
    });
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    await db?.drop();
  });

  it("creates the table from its migration, announces changes and clears the cache", async () => {
    expect(await broker.call("widgets.count")).toBe(0);
    const created = await broker.call<{ id: number; symbol: string }, object>("widgets.add", { symbol: "BTC/USDT" });
    expect(created).toMatchObject({ id: 1, symbol: "BTC/USDT" });
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([{ name: "widgets.entity.created", params: { id: 1, symbol: "BTC/USDT" } }]);
    // The cached count was cleared by the change.
    expect(await broker.call("widgets.count")).toBe(1);
  });
});
