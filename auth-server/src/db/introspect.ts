import { type Kysely, sql } from "kysely";
import type { DatabaseKind } from "./database.js";

/**
 * Column names of `table` as the database stores them (case kept), in declaration order; null when
 * the table does not exist. PostgreSQL: the connection's current schema only (where better-auth's
 * migrator creates its tables); SQLite: the main database.
 */
export async function tableColumns(db: Kysely<any>, kind: DatabaseKind, table: string): Promise<string[] | null> {
  const rows =
    kind === "sqlite"
      ? await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)
      : await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema = current_schema() and table_name = ${table} order by ordinal_position`.execute(db);
  return rows.rows.length > 0 ? rows.rows.map((r) => r.name) : null;
}

/** Names of the tables holding a column named exactly `column` (case-sensitive). */
export async function tablesWithColumn(db: Kysely<any>, kind: DatabaseKind, column: string): Promise<string[]> {
  const rows =
    kind === "sqlite"
      ? await sql<{ name: string }>`select m.name as name from sqlite_master m, pragma_table_info(m.name) c
          where m.type = 'table' and c.name = ${column}`.execute(db)
      : await sql<{ name: string }>`select table_name as name from information_schema.columns
          where table_schema = current_schema() and column_name = ${column}`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Row count of a table known to exist. */
export async function rowCount(db: Kysely<any>, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
