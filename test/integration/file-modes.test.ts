/**
 * Data files are private: after a real `npm start` (dist/bin/mmesh.js, needs `npm run build`)
 * and a backup through the API, DATA_DIR is 0700, the SQLite file with its -wal/-shm, the
 * keystore and the backups are 0600, files an older version left 0644 are fixed, and the
 * process runs with umask 0077. Then the writers themselves, under a permissive umask.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireSequelize, releaseSequelize } from "../../lib/db/connection";
import { writeFileAtomic } from "../../lib/keystore/atomic-write";
import { backupSqlite } from "../../lib/maintenance/backup";
import { restrictDataDir } from "../../lib/runtime/private-files";
import { readEnv } from "../../lib/runtime/env";

const ENTRY = path.resolve(__dirname, "../../dist/bin/mmesh.js");
const modeOf = (p: string) => (fs.statSync(p).mode & 0o777).toString(8);

describe("file modes after a real start", () => {
  it("keeps DATA_DIR 0700 and its files 0600, fixing old ones, with umask 0077", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-modes-"));
    const dataDir = path.join(root, "data");
    // What an older version left: a readable folder, database and backup.
    fs.mkdirSync(path.join(dataDir, "backups"), { recursive: true, mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    fs.chmodSync(path.join(dataDir, "backups"), 0o755);
    fs.writeFileSync(path.join(dataDir, "mmesh.sqlite"), "", { mode: 0o644 });
    fs.chmodSync(path.join(dataDir, "mmesh.sqlite"), 0o644);
    const oldBackup = path.join(dataDir, "backups", "mmesh-mmesh-20250101T000000Z.sqlite");
    fs.writeFileSync(oldBackup, "old", { mode: 0o644 });
    fs.chmodSync(oldBackup, 0o644);

    const password = "modes-admin-password-1";
    const child = spawn(process.execPath, [ENTRY], {
      cwd: root,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, SERVICES: "api,auth,keys,db-maintenance", API_PORT: "0", METRICS_PORT: "off", LOG_LEVEL: "info", NODE_ID: "modes-test", ADMIN_PASSWORD: password, MASTER_KEY: "modes-master-key-0123", MAINTENANCE_CRON: "off" },
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    try {
      const port = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no start within 30 s:\n${output}`)), 30_000);
        child.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`mmesh exited with ${code} before starting:\n${output}`));
        });
        const check = () => {
          const match = /API Gateway listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
          if (match && output.includes("mmesh node modes-test started")) {
            clearTimeout(timer);
            resolve(match[1]);
          } else if (child.exitCode === null) setTimeout(check, 50);
        };
        check();
      });
      expect(output).toMatch(/Made \d+ path\(s\) under DATA_DIR private/);
      const base = `http://127.0.0.1:${port}/api/v1`;
      const headers: Record<string, string> = { "content-type": "application/json" };
      // The gateway adds a service's routes shortly after it starts: ask until the route answers.
      const post = async (route: string, body: unknown) => {
        for (let i = 0; ; i++) {
          const res = await fetch(`${base}${route}`, { method: "POST", headers, body: JSON.stringify(body) });
          if (![404, 503].includes(res.status) || i >= 100) return res;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      const login = await post("/auth/login", { username: "admin", password });
      expect(login.status).toBe(200);
      headers.authorization = `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`;
      const key = await post("/keys", { id: "evm-1", kind: "evm", payload: { privateKey: `0x${"11".repeat(32)}` } });
      expect(key.status).toBe(200);
      const backup = await post("/db-maintenance/backup", {});
      expect({ status: backup.status, output: backup.status === 200 ? "" : `${await backup.clone().text()}\n${output}` }).toEqual({ status: 200, output: "" });
      const { file } = (await backup.json()) as { file: string };

      const umask = /^Umask:\s+(\d+)$/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
      expect(umask).toBe("0077");
      // Every folder and file under DATA_DIR, whatever created it.
      const modes: Record<string, string> = {};
      const walk = (p: string) => {
        modes[path.relative(root, p)] = modeOf(p);
        if (fs.statSync(p).isDirectory()) for (const name of fs.readdirSync(p)) walk(path.join(p, name));
      };
      walk(dataDir);
      expect(Object.keys(modes)).toEqual(expect.arrayContaining(["data", "data/backups", "data/mmesh.sqlite", "data/keystore.json", path.relative(root, oldBackup), path.relative(root, file)]));
      for (const [p, mode] of Object.entries(modes)) {
        expect({ p, mode }).toEqual({ p, mode: fs.statSync(path.join(root, p)).isDirectory() ? "700" : "600" });
      }
      const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      fs.rmSync(root, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("the writers of private files, under a permissive umask", () => {
  let previous: number;
  let dir: string;
  beforeEach(() => {
    previous = process.umask(0o000);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-modes-unit-"));
  });
  afterEach(() => {
    process.umask(previous);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("backs SQLite up into a 0700 folder as a 0600 file, the database itself 0600", async () => {
    const storage = path.join(dir, "db", "mmesh.sqlite");
    const sequelize = acquireSequelize({ dialect: "sqlite", storage });
    try {
      await sequelize.transaction(async (transaction) => {
        await sequelize.query("CREATE TABLE t (x INTEGER)", { transaction });
        await sequelize.query("INSERT INTO t VALUES (1)", { transaction });
        // Inside the transaction SQLite's journal exists too.
        const journal = fs.readdirSync(path.join(dir, "db")).filter((f) => f !== "mmesh.sqlite");
        expect(journal.length).toBeGreaterThan(0);
        expect([modeOf(path.join(dir, "db")), modeOf(storage), ...journal.map((f) => modeOf(path.join(dir, "db", f)))]).toEqual(["700", "600", ...journal.map(() => "600")]);
      });
      const result = await backupSqlite(sequelize, storage, path.join(dir, "backups"));
      expect([modeOf(path.join(dir, "backups")), modeOf(result.file)]).toEqual(["700", "600"]);
    } finally {
      await releaseSequelize(sequelize);
    }
  });

  it("writes the keystore file 0600", async () => {
    const file = path.join(dir, "keystore.json");
    await writeFileAtomic(file, "{}");
    expect(modeOf(file)).toBe("600");
  });

  it("fixes only the known paths under DATA_DIR", () => {
    const env = readEnv({ DATA_DIR: dir });
    fs.writeFileSync(path.join(dir, "mmesh.sqlite"), "");
    fs.writeFileSync(path.join(dir, "keystore.json"), "{}");
    fs.writeFileSync(path.join(dir, "notes.txt"), "not ours");
    fs.chmodSync(dir, 0o755);
    for (const f of ["mmesh.sqlite", "keystore.json", "notes.txt"]) fs.chmodSync(path.join(dir, f), 0o644);
    expect(restrictDataDir(env).map((p) => path.basename(p)).sort()).toEqual([path.basename(dir), "keystore.json", "mmesh.sqlite"].sort());
    expect([modeOf(dir), modeOf(path.join(dir, "mmesh.sqlite")), modeOf(path.join(dir, "keystore.json")), modeOf(path.join(dir, "notes.txt"))]).toEqual(["700", "600", "600", "644"]);
  });
});
