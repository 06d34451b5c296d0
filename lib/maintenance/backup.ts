/**
 * Database backups: `pg_dump` (custom format) on PostgreSQL when it is on PATH, the
 * password passed through PGPASSWORD (never argv, never logged); `VACUUM INTO` a new
 * file on SQLite. Files go under <DATA_DIR>/backups with a timestamped name.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import type { Sequelize } from "sequelize";
import type { DatabaseSettings } from "../runtime/env";
import { maskUrl } from "../runtime/mask";
import { makePrivateDir, restrictFile } from "../runtime/private-files";

export class BackupUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupUnavailableError";
  }
}

export class BackupFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupFailedError";
  }
}

export interface BackupResult {
  file: string;
  bytes: number;
  format: "pg_dump-custom" | "sqlite";
  durationMs: number;
}

/** The first executable `name` on PATH, or null. */
export function findExecutable(name: string, pathEnv = process.env.PATH ?? ""): string | null {
  for (const dir of pathEnv.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return null;
}

export function backupFileName(database: string, now: Date, ext: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  return `mmesh-${database.replace(/[^A-Za-z0-9_-]/g, "_")}-${stamp}.${ext}`;
}

/**
 * Reserves `dir/name` as a new empty file (a suffix -2, -3... when a backup of the same second
 * exists) and returns its path: two backups never write one file. pg_dump overwrites the empty
 * file; SQLite's VACUUM INTO accepts an empty target.
 */
export function reserveBackupFile(dir: string, name: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const dot = name.indexOf(".");
  for (let n = 1; ; n++) {
    const file = path.join(dir, n === 1 ? name : `${name.slice(0, dot)}-${n}${name.slice(dot)}`);
    try {
      fs.closeSync(fs.openSync(file, "wx"));
      return file;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST" || n >= 1000) throw err;
    }
  }
}

/** pg_dump arguments and environment from a postgres:// URL; the password only in the environment. */
export function pgDumpInvocation(url: string, file: string): { args: string[]; env: Record<string, string> } {
  const u = new URL(url);
  const env: Record<string, string> = {};
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get("sslmode");
  if (sslmode) env.PGSSLMODE = sslmode;
  const args = ["--format=custom", "--no-password", `--file=${file}`, `--host=${decodeURIComponent(u.hostname) || "127.0.0.1"}`, `--port=${u.port || "5432"}`];
  if (u.username) args.push(`--username=${decodeURIComponent(u.username)}`);
  args.push(`--dbname=${decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres"}`);
  return { args, env };
}

function redact(text: string, secret: string | undefined): string {
  let out = text;
  if (secret) out = out.split(secret).join("****");
  return out.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi, (m) => maskUrl(m));
}

export async function backupPostgres(url: string, dir: string, opts: { pgDump?: string | null; timeoutMs?: number; now?: Date } = {}): Promise<BackupResult> {
  const pgDump = opts.pgDump === undefined ? findExecutable("pg_dump") : opts.pgDump;
  if (!pgDump) throw new BackupUnavailableError("pg_dump is not on PATH: install the PostgreSQL client tools (e.g. apt-get install postgresql-client) on the db-maintenance node");
  const started = Date.now();
  makePrivateDir(dir);
  const dbName = decodeURIComponent(new URL(url).pathname.replace(/^\//, "")) || "postgres";
  const file = reserveBackupFile(dir, backupFileName(dbName, opts.now ?? new Date(), "dump"));
  const { args, env } = pgDumpInvocation(url, file);
  const stderr: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(pgDump, args, { env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "pipe"] });
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 10 * 60_000);
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  }).catch((err: Error) => {
    fs.rmSync(file, { force: true });
    throw new BackupFailedError(`pg_dump could not start: ${redact(err.message, env.PGPASSWORD)}`);
  });
  if (code !== 0) {
    fs.rmSync(file, { force: true });
    const detail = redact(stderr.join("").trim(), env.PGPASSWORD).slice(0, 500);
    throw new BackupFailedError(`pg_dump exited with ${code}${detail ? `: ${detail}` : ""}`);
  }
  restrictFile(file);
  const bytes = fs.statSync(file).size;
  return { file, bytes, format: "pg_dump-custom", durationMs: Date.now() - started };
}

export async function backupSqlite(sequelize: Sequelize, storage: string, dir: string, now = new Date()): Promise<BackupResult> {
  if (storage === ":memory:") throw new BackupUnavailableError("the database is in memory (DATABASE_URL=sqlite::memory:): nothing to back up to a file");
  const started = Date.now();
  makePrivateDir(dir);
  const file = reserveBackupFile(dir, backupFileName(path.basename(storage).replace(/\.[^.]*$/, ""), now, "sqlite"));
  try {
    await sequelize.query(`VACUUM INTO '${file.replace(/'/g, "''")}'`);
  } catch (err) {
    fs.rmSync(file, { force: true });
    throw err;
  }
  restrictFile(file);
  return { file, bytes: fs.statSync(file).size, format: "sqlite", durationMs: Date.now() - started };
}

export function backupDatabase(sequelize: Sequelize, database: DatabaseSettings, dir: string, opts: { pgDump?: string | null } = {}): Promise<BackupResult> {
  return database.dialect === "postgres" ? backupPostgres(database.url, dir, opts) : backupSqlite(sequelize, database.storage, dir);
}
