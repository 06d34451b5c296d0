/** The alert history store on an in-memory SQLite database (migrated like the service's), and its writer's backlog. */
import { Sequelize } from "sequelize";
import { AlertHistoryStore, historyEntryOf, HistoryWriter, type AlertHistoryEntry, type AlertNotice } from "../../../lib/alerting";
import { migrateUp } from "../../../lib/db/migrations";
import { alertingMigrations } from "../../../lib/db/schemas/alerting";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");

const notice = (kind: "raised" | "resolved", i: number, severity: AlertNotice["severity"] = "warning"): Partial<AlertNotice> => ({
  kind,
  alertId: `rule{n=${i}}`,
  messageId: `m-${kind}-${i}`,
  rule: "rule",
  severity,
  message: `alert ${i}`,
  labels: { n: String(i) },
  since: "2026-01-01T00:00:00.000Z",
  raisedAt: "2026-01-01T00:00:00.000Z",
  resolvedAt: kind === "resolved" ? "2026-01-01T00:01:00.000Z" : null,
});

/** The entry of `notice(kind, i)`, heard `i` seconds after T0 (or at `at`). */
const entry = (kind: "raised" | "resolved", i: number, opts: { severity?: AlertNotice["severity"]; at?: number } = {}): AlertHistoryEntry =>
  historyEntryOf(notice(kind, i, opts.severity), new Date(opts.at ?? T0 + i * 1000))!;

describe("historyEntryOf", () => {
  it("fills in what a notice lacks and ignores what is not an alert transition", () => {
    expect(historyEntryOf({ kind: "raised", alertId: "mm.kill_switch", severity: "loud" as never, labels: { bot: "b1", n: 2 as never } }, new Date(T0))).toEqual({
      kind: "raised",
      alertId: "mm.kill_switch",
      messageId: "mm.kill_switch|raised||",
      rule: "mm.kill_switch",
      severity: "info",
      message: "",
      since: "2026-01-01T00:00:00.000Z",
      raisedAt: "2026-01-01T00:00:00.000Z",
      resolvedAt: null,
      labels: { bot: "b1", n: "2" },
      seenAt: "2026-01-01T00:00:00.000Z",
    });
    expect(historyEntryOf(null)).toBeNull();
    expect(historyEntryOf({ kind: "raised" } as Partial<AlertNotice>)).toBeNull();
    expect(historyEntryOf({ kind: "bogus", alertId: "x" } as unknown as Partial<AlertNotice>)).toBeNull();
  });
});

describe("alert history store (SQLite)", () => {
  let sequelize: Sequelize;
  let store: AlertHistoryStore;

  beforeEach(async () => {
    sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
    await migrateUp(sequelize, "alerting", alertingMigrations);
    store = new AlertHistoryStore(sequelize);
  });

  afterEach(async () => {
    await sequelize.close();
  });

  it("records each messageId once and lists newest first, by severity, by alert, and page by page", async () => {
    expect(await store.record(entry("raised", 1))).toBe(true);
    expect(await store.record(entry("raised", 1, { at: T0 + 9000 }))).toBe(false); // heard again later: still one row
    await store.record(entry("resolved", 1));
    await store.record(entry("raised", 2, { severity: "critical" }));
    await store.record(entry("raised", 3));
    expect(await store.count()).toBe(4);

    const all = await store.list({ limit: 10 });
    expect(all.map((e) => `${e.kind} ${e.alertId}`)).toEqual(["raised rule{n=3}", "raised rule{n=2}", "resolved rule{n=1}", "raised rule{n=1}"]);
    expect(all[3]).toEqual(entry("raised", 1)); // read back as written (labels, seenAt of the first hearing)
    expect((await store.list({ limit: 10, severity: "critical" })).map((e) => e.messageId)).toEqual(["m-raised-2"]);
    expect((await store.list({ limit: 10, alertId: "rule{n=1}" })).map((e) => e.kind)).toEqual(["resolved", "raised"]);

    const page1 = await store.list({ limit: 2 });
    const page2 = await store.list({ limit: 2, before: page1[1].messageId });
    const page3 = await store.list({ limit: 2, before: page2[1].messageId });
    expect([...page1, ...page2].map((e) => e.messageId)).toEqual(all.map((e) => e.messageId));
    expect(page3).toEqual([]);
    expect(await store.list({ limit: 2, before: "no-such-message" })).toEqual([]);
  });

  it("orders entries heard in the same millisecond by insertion", async () => {
    for (let i = 0; i < 3; i++) await store.record(entry("raised", i, { at: T0 }));
    expect((await store.list({ limit: 10 })).map((e) => e.messageId)).toEqual(["m-raised-2", "m-raised-1", "m-raised-0"]);
    expect((await store.list({ limit: 10, before: "m-raised-2" })).map((e) => e.messageId)).toEqual(["m-raised-1", "m-raised-0"]);
  });

  it("prunes to the newest N and to the retention age", async () => {
    for (let i = 0; i < 10; i++) await store.record(entry("raised", i));
    expect(await store.prune({ keep: 4, maxAgeDays: 90 }, T0)).toEqual({ deleted: 6, skipped: false });
    expect((await store.list({ limit: 10 })).map((e) => e.alertId)).toEqual(["rule{n=9}", "rule{n=8}", "rule{n=7}", "rule{n=6}"]);
    expect(await store.prune({ keep: 4, maxAgeDays: 90 }, T0)).toEqual({ deleted: 0, skipped: false });
    // 90 days after the 8th second: entries 6 and 7 are older than that.
    expect(await store.prune({ keep: 4, maxAgeDays: 90 }, T0 + 8000 + 90 * 86_400_000)).toEqual({ deleted: 2, skipped: false });
    expect((await store.list({ limit: 10 })).map((e) => e.alertId)).toEqual(["rule{n=9}", "rule{n=8}"]);
    await expect(store.prune({ keep: 0, maxAgeDays: 90 })).rejects.toThrow(RangeError);
  });
});

describe("history writer", () => {
  let sequelize: Sequelize;
  let store: AlertHistoryStore;
  let reachable: boolean;
  let opened: number;
  const warnings: string[] = [];
  const infos: string[] = [];
  const writer = (backlogLimit = 100) =>
    new HistoryWriter({
      open: async () => {
        if (!reachable) throw new Error("connect ECONNREFUSED");
        opened += 1;
        return store;
      },
      backlogLimit,
      warn: (m) => warnings.push(m),
      info: (m) => infos.push(m),
    });

  beforeEach(async () => {
    sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
    await migrateUp(sequelize, "alerting", alertingMigrations);
    store = new AlertHistoryStore(sequelize);
    reachable = true;
    opened = 0;
    warnings.length = 0;
    infos.length = 0;
  });

  afterEach(async () => {
    await sequelize.close();
  });

  it("writes in order, opening the store once", async () => {
    const w = writer();
    for (let i = 0; i < 5; i++) w.add(entry("raised", i));
    await w.drain();
    expect(w.pending).toBe(0);
    expect(opened).toBe(1);
    expect((await store.list({ limit: 10 })).map((e) => e.alertId)).toEqual(["rule{n=4}", "rule{n=3}", "rule{n=2}", "rule{n=1}", "rule{n=0}"]);
    expect(warnings).toEqual([]);
  });

  it("keeps a bounded backlog while the store cannot be opened, warns once, and writes it when it can", async () => {
    reachable = false;
    const w = writer(3);
    for (let i = 0; i < 5; i++) {
      w.add(entry("raised", i));
      await w.drain();
    }
    expect(w.pending).toBe(3);
    await expect(w.ready()).rejects.toThrow("ECONNREFUSED");
    expect(warnings).toHaveLength(2); // writes failing, then the backlog full
    expect(warnings.join("\n")).toMatch(/not written.*ECONNREFUSED[\s\S]*backlog full/);

    reachable = true;
    await w.drain();
    expect(w.pending).toBe(0);
    expect((await store.list({ limit: 10 })).map((e) => e.alertId)).toEqual(["rule{n=4}", "rule{n=3}", "rule{n=2}"]);
    expect(infos).toEqual(["Alert history writable again: 3 backlogged entries written, 2 dropped while it was not"]);
  });
});
