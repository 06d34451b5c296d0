/**
 * Files under DATA_DIR hold secrets (the SQLite database with password hashes and the JWT
 * secret, the keystore, backups, generated mesh secrets): they are created 0600 in folders
 * 0700. The process umask (0077, set by the entry points) covers every file created later;
 * these helpers set the modes explicitly where mmesh creates such files, and fix the files
 * an older version left readable.
 */
import fs from "node:fs";
import path from "node:path";
import type { RuntimeEnv } from "./env";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_UMASK = 0o077;

/** Sets `mode` on `target` if it exists and differs; true when it changed a mode. */
function restrict(target: string, mode: number): boolean {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  if ((stat.mode & 0o777) === mode) return false;
  fs.chmodSync(target, mode);
  return true;
}

export function restrictFile(file: string): boolean {
  return restrict(file, PRIVATE_FILE_MODE);
}

export function restrictDir(dir: string): boolean {
  return restrict(dir, PRIVATE_DIR_MODE);
}

/** Creates `dir` (and missing parents) 0700; an existing `dir` is set to 0700. */
export function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  restrictDir(dir);
}

/** The SQLite database file with its WAL and shared-memory files. */
export function restrictSqliteFiles(storage: string): string[] {
  if (storage === ":memory:") return [];
  return [storage, `${storage}-wal`, `${storage}-shm`, `${storage}-journal`].filter((f) => restrictFile(f));
}

/**
 * Fixes the modes of what mmesh keeps under DATA_DIR (the folder itself, the SQLite files,
 * the file keystore and its folder, backups, the chain deployment, mesh secrets). Only those
 * known paths are touched, so DATA_DIR pointed at a shared folder does not have foreign files
 * changed. Returns the paths whose mode changed.
 */
export function restrictDataDir(env: Pick<RuntimeEnv, "dataDir" | "database" | "keystore">): string[] {
  const changed: string[] = [];
  const dir = (d: string) => restrictDir(d) && changed.push(d);
  const file = (f: string) => restrictFile(f) && changed.push(f);
  dir(env.dataDir);
  if (env.database.dialect === "sqlite") changed.push(...restrictSqliteFiles(path.resolve(env.database.storage)));
  if (env.keystore.backend === "file") {
    file(env.keystore.path);
    if (path.resolve(path.dirname(env.keystore.path)) !== path.resolve(env.dataDir)) dir(path.dirname(env.keystore.path));
  }
  for (const sub of ["backups", "chain"]) {
    const folder = path.join(env.dataDir, sub);
    if (!fs.existsSync(folder)) continue;
    dir(folder);
    for (const name of fs.readdirSync(folder)) {
      const entry = path.join(folder, name);
      if (fs.statSync(entry).isFile()) file(entry);
    }
  }
  file(path.join(env.dataDir, "mesh-secrets.json"));
  return changed;
}
