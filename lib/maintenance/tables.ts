/** Table inventory, sizes and row counts, VACUUM/ANALYZE, on PostgreSQL and SQLite. */
import { QueryTypes, type Sequelize } from "sequelize";

export interface TableStats {
  table: string;
  rows: number;
  /** Table + indexes + TOAST on PostgreSQL; null on SQLite (it reports the whole file only). */
  bytes: number | null;
}

export interface DatabaseStats {
  dialect: string;
  /** The whole database: pg_database_size, or page_count * page_size on SQLite. */
  databaseBytes: number;
  tables: TableStats[];
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function listTables(sequelize: Sequelize): Promise<string[]> {
  if (sequelize.getDialect() === "postgres") {
    const rows = await sequelize.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`, { type: QueryTypes.SELECT });
    return rows.map((r) => r.name);
  }
  const rows = await sequelize.query<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`, { type: QueryTypes.SELECT });
  return rows.map((r) => r.name);
}

/** Column names of `table`, or null when it does not exist. */
export async function tableColumns(sequelize: Sequelize, table: string): Promise<string[] | null> {
  const tables = await listTables(sequelize);
  if (!tables.includes(table)) return null;
  const described = await sequelize.getQueryInterface().describeTable(table);
  return Object.keys(described);
}

export async function tableStats(sequelize: Sequelize): Promise<DatabaseStats> {
  const dialect = sequelize.getDialect();
  const tables = await listTables(sequelize);
  const out: TableStats[] = [];
  for (const table of tables) {
    const [count] = await sequelize.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`, { type: QueryTypes.SELECT });
    let bytes: number | null = null;
    if (dialect === "postgres") {
      const [size] = await sequelize.query<{ bytes: string | number }>(`SELECT pg_total_relation_size(:rel::regclass) AS bytes`, { type: QueryTypes.SELECT, replacements: { rel: quoteIdent(table) } });
      bytes = Number(size.bytes);
    }
    out.push({ table, rows: Number(count.n), bytes });
  }
  let databaseBytes: number;
  if (dialect === "postgres") {
    const [size] = await sequelize.query<{ bytes: string | number }>(`SELECT pg_database_size(current_database()) AS bytes`, { type: QueryTypes.SELECT });
    databaseBytes = Number(size.bytes);
  } else {
    const [pages] = await sequelize.query<{ page_count: number }>(`PRAGMA page_count`, { type: QueryTypes.SELECT });
    const [pageSize] = await sequelize.query<{ page_size: number }>(`PRAGMA page_size`, { type: QueryTypes.SELECT });
    databaseBytes = Number(pages.page_count) * Number(pageSize.page_size);
  }
  return { dialect, databaseBytes, tables: out };
}

export interface VacuumResult {
  dialect: string;
  /** PostgreSQL: `VACUUM (ANALYZE)` per table. SQLite: one `ANALYZE` of the database. */
  statement: string;
  tables: string[];
  durationMs: number;
}

/** VACUUM (ANALYZE) each table on PostgreSQL (each its own statement, outside any transaction); ANALYZE on SQLite. */
export async function vacuumAnalyze(sequelize: Sequelize): Promise<VacuumResult> {
  const started = Date.now();
  const dialect = sequelize.getDialect();
  const tables = await listTables(sequelize);
  if (dialect === "postgres") {
    for (const table of tables) await sequelize.query(`VACUUM (ANALYZE) ${quoteIdent(table)}`);
    return { dialect, statement: "VACUUM (ANALYZE)", tables, durationMs: Date.now() - started };
  }
  await sequelize.query("ANALYZE");
  return { dialect, statement: "ANALYZE", tables, durationMs: Date.now() - started };
}
