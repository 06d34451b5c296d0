/**
 * The SQLite settings are those of the live connections: the shared one, each transaction's own
 * (Sequelize's sqlite dialect opens one per transaction and closes it at the end), and the shared
 * one again after it was closed and reopened.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { QueryTypes, type Sequelize, type Transaction } from "sequelize";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";

interface Pragmas {
  journal_mode: string;
  synchronous: number;
  busy_timeout: number;
}

async function pragmas(sequelize: Sequelize, transaction?: Transaction): Promise<Pragmas> {
  const one = async (name: string) => {
    const [row] = (await sequelize.query(`PRAGMA ${name}`, { type: QueryTypes.SELECT, transaction })) as Array<Record<string, unknown>>;
    return Object.values(row)[0];
  };
  return { journal_mode: String(await one("journal_mode")), synchronous: Number(await one("synchronous")), busy_timeout: Number(await one("busy_timeout")) };
}

const expected: Pragmas = { journal_mode: "wal", synchronous: 1, busy_timeout: 5000 };

describe("SQLite connection settings", () => {
  let dir: string;
  let sequelize: Sequelize;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-pragmas-"));
    sequelize = acquireSequelize({ dialect: "sqlite", storage: path.join(dir, "db.sqlite") });
  });

  afterAll(async () => {
    await releaseSequelize(sequelize);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("runs WAL, synchronous=NORMAL and busy_timeout 5000 on the shared connection", async () => {
    expect(await pragmas(sequelize)).toEqual(expected);
  });

  it("applies them to every transaction's own connection, each one newly opened", async () => {
    for (let i = 0; i < 3; i++) {
      await sequelize.transaction(async (t) => {
        expect(await pragmas(sequelize, t)).toEqual(expected);
      });
    }
  });

  it("applies them again when the shared connection was closed and is opened anew", async () => {
    // What an idle pool's eviction does elsewhere: the dialect keeps its connections by name.
    const manager = sequelize.connectionManager as unknown as { connections: Record<string, { close(cb: (e: Error | null) => void): void }> };
    const shared = manager.connections.default;
    expect(shared).toBeDefined();
    await new Promise<void>((resolve, reject) => shared.close((err) => (err ? reject(err) : resolve())));
    delete manager.connections.default;
    expect(await pragmas(sequelize)).toEqual(expected);
    expect(manager.connections.default).not.toBe(shared);
  });
});
