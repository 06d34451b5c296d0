/**
 * Append-only journal of the in-process venue's acknowledged orders (the paper exchange on a
 * SQLite file). An acknowledgement needs the order to survive the process: appending its row
 * here with one write(2) does that (the kernel keeps it when the process is killed), in tens of
 * microseconds, where a committed SQLite insert through the driver's thread pool takes
 * milliseconds. The table is still written, by the store's group commit a few ms later.
 *
 * The file is fdatasync'ed in batches (every `syncEveryMs` while appends come), so a power cut
 * loses at most that window: the same promise as SQLite's WAL with synchronous=NORMAL, which
 * the database itself runs with. At start the store replays the journal into the table and
 * empties it; while running it is emptied whenever everything in it is committed.
 *
 * One line per append: the order's row as JSON. A line cut short by a crash mid-write is the
 * last one and is skipped (its order was not acknowledged: the ack follows the write).
 */
import fs from "node:fs";
import type { Sequelize } from "sequelize";
import { PRIVATE_FILE_MODE, restrictFile } from "../runtime/private-files";
import type { OrderRow } from "./order-store";

export interface OrderJournalOptions {
  /** How long an append may wait for its fdatasync (batching). Default 20 ms. */
  syncEveryMs?: number;
}

/**
 * The journal beside a SQLite database file; null for PostgreSQL (a commit there is awaited: the
 * table may be shared by several nodes, whose clientOrderIds only the insert can tell apart) and
 * for an in-memory database (nothing outlives the process anyway).
 */
export function journalFileFor(sequelize: Sequelize): string | null {
  const storage = (sequelize as unknown as { options: { storage?: string } }).options.storage;
  if (sequelize.getDialect() !== "sqlite" || !storage || storage === ":memory:") return null;
  return `${storage}-orders.journal`;
}

/** The rows in `file` in the order they were appended; none when the file does not exist. */
export function readJournal(file: string): OrderRow[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const rows: OrderRow[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    let parsed: OrderRow;
    try {
      parsed = JSON.parse(line) as OrderRow;
    } catch {
      continue; // torn by a crash mid-write
    }
    rows.push({ ...parsed, created_at: new Date(parsed.created_at), updated_at: new Date(parsed.updated_at) });
  }
  return rows;
}

export class OrderJournal {
  private readonly fd: number;
  private bytes: number;
  private syncTimer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly syncEveryMs: number;

  constructor(
    readonly file: string,
    options: OrderJournalOptions = {},
  ) {
    this.syncEveryMs = options.syncEveryMs ?? 20;
    this.fd = fs.openSync(file, "a", PRIVATE_FILE_MODE);
    restrictFile(file); // one an older version or another umask left readable
    this.bytes = fs.fstatSync(this.fd).size;
  }

  /** Bytes in the journal now. */
  get size(): number {
    return this.bytes;
  }

  /** Appends `row`; once this returns, the row survives the process being killed. */
  append(row: OrderRow): void {
    if (this.closed) throw new Error(`order journal ${this.file} is closed`);
    const line = Buffer.from(`${JSON.stringify(row)}\n`);
    fs.writeSync(this.fd, line);
    this.bytes += line.length;
    this.syncTimer ??= setTimeout(() => {
      this.syncTimer = null;
      this.syncing = this.syncing.then(() => this.fdatasync());
    }, this.syncEveryMs);
  }

  /** Empties the journal: call only when every row in it is committed to the table. */
  truncate(): void {
    if (this.closed || this.bytes === 0) return;
    fs.ftruncateSync(this.fd, 0);
    this.bytes = 0;
  }

  /** Flushes what was appended to the disk, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    await this.syncing;
    await this.fdatasync();
    fs.closeSync(this.fd);
  }

  private fdatasync(): Promise<void> {
    return new Promise((resolve) => fs.fdatasync(this.fd, () => resolve())); // a failed sync: the next one covers it
  }
}
