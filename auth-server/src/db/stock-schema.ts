import { sql } from "kysely";
import type { Database } from "./database.js";
import { rowCount, tableColumns, tablesWithColumn } from "./introspect.js";

/**
 * Stock better-auth tables in Gatehouse's database: found so that Gatehouse never starts an empty
 * identity store beside them (every existing user locked out, an old email signing up twice).
 *
 * A stock user table is the default `user` table, or any table with better-auth's camelCase
 * `emailVerified` column beside `email` (a custom `modelName` keeps the camelCase fields unless the
 * team mapped them too). Gatehouse's own `users` table is snake_case and never matches.
 */

/** The command that imports a stock database in place, as an operator would type it. */
export const IMPORT_COMMAND = 'npm run -s gatehouse -w auth-server -- import better-auth --from "$DATABASE_URL"';
const IMPORT_COMMAND_COMPILED = 'node dist/cli/index.js import better-auth --from "$DATABASE_URL"';

/** What the start-up check and `doctor` know about one stock user table. */
export interface StockUserTable {
  table: string;
  users: number;
  /** When the last import from this database (in place) finished; null when none did. */
  importedAt: string | null;
  /** Stock users that are neither in Gatehouse nor recorded as imported (skipped, or created since). */
  notImported: number;
}

/** A Gatehouse table name taken by a table that is not Gatehouse's (a stock one with a custom modelName). */
export interface ForeignTable {
  table: string;
  /** The Gatehouse column it lacks. */
  missing: string;
}

/** Gatehouse's tables and one column each that only Gatehouse's version has. */
const GATEHOUSE_MARKERS: Record<string, string> = {
  users: "email_verified",
  user_sessions: "user_id",
  accounts: "provider_id",
  verifications: "expires_at",
  auth_jwks: "public_key",
};

/** Finds every stock user table in the database and whether it was imported. Read-only. */
export async function findStockUserTables(database: Database): Promise<StockUserTable[]> {
  const { db, kind } = database;
  const candidates = new Set(await tablesWithColumn(db, kind, "emailVerified"));
  const defaultTable = await tableColumns(db, kind, "user");
  if (defaultTable?.includes("email")) candidates.add("user");
  const found: StockUserTable[] = [];
  for (const table of candidates) {
    const columns = await tableColumns(db, kind, table);
    if (!columns?.includes("email") || !columns.includes("id") || table === "users") continue;
    const users = await rowCount(db, table);
    const importedAt = await lastInPlaceImport(database);
    found.push({ table, users, importedAt, notImported: importedAt ? await countNotImported(database, table) : users });
  }
  return found;
}

/** Gatehouse table names that hold someone else's table. */
export async function findForeignTables(database: Database): Promise<ForeignTable[]> {
  const foreign: ForeignTable[] = [];
  for (const [table, marker] of Object.entries(GATEHOUSE_MARKERS)) {
    const columns = await tableColumns(database.db, database.kind, table);
    if (columns && !columns.includes(marker)) foreign.push({ table, missing: marker });
  }
  return foreign;
}

/** Refused start: the database holds users Gatehouse would not see. */
export class StockSchemaError extends Error {
  override name = "StockSchemaError";
}

/**
 * Throws {@link StockSchemaError} when a table with a Gatehouse name is not Gatehouse's (a stock table
 * with a custom modelName): better-auth's migrator would add Gatehouse's columns to it, or crash on a
 * populated table. Nothing may run over it, not even an import.
 */
export async function assertNoForeignTables(database: Database): Promise<void> {
  const foreign = await findForeignTables(database);
  if (foreign.length > 0) throw new StockSchemaError(foreignMessage(foreign));
}

/**
 * Throws {@link StockSchemaError} when a stock user table holds users and nothing was ever imported
 * from it in place: Gatehouse would run beside it with an empty identity store.
 */
export async function assertNoUnimportedStock(database: Database): Promise<void> {
  const pending = (await findStockUserTables(database)).filter((t) => t.users > 0 && !t.importedAt);
  if (pending.length > 0) throw new StockSchemaError(unimportedMessage(pending));
}

export function unimportedMessage(tables: StockUserTable[]): string {
  const list = tables.map((t) => `"${t.table}" (${t.users} user${t.users === 1 ? "" : "s"})`).join(", ");
  return [
    `This database holds a stock better-auth schema that has not been imported into Gatehouse: ${list}.`,
    "Starting now would create an empty identity store beside it and lock every existing user out.",
    "Import it first, in place (idempotent; --dry-run shows what it would do):",
    `  ${IMPORT_COMMAND}`,
    `  (compiled, in the image: ${IMPORT_COMMAND_COMPILED})`,
    "See docs/COMING-FROM-BETTER-AUTH.md.",
  ].join("\n");
}

function foreignMessage(foreign: ForeignTable[]): string {
  const list = foreign.map((f) => `"${f.table}" (no ${f.missing} column)`).join(", ");
  return [
    `These tables have Gatehouse's names but not its columns: ${list}.`,
    "They look like a better-auth schema with custom model names. Rename them (for example to ba_users),",
    "then import with a mapping file that names them:",
    `  ${IMPORT_COMMAND.replace('"$DATABASE_URL"', '"$DATABASE_URL" --mapping mapping.json')}`,
    "See docs/COMING-FROM-BETTER-AUTH.md.",
  ].join("\n");
}

async function lastInPlaceImport(database: Database): Promise<string | null> {
  if (!(await tableColumns(database.db, database.kind, "gatehouse_imports"))) return null;
  const row = await database.db
    .selectFrom("gatehouse_imports")
    .select("finished_at")
    .where("in_place", "=", database.kind === "sqlite" ? 1 : true)
    .orderBy("id", "desc")
    .executeTakeFirst();
  if (!row) return null;
  const at = row.finished_at as string | Date;
  return at instanceof Date ? at.toISOString() : at;
}

async function countNotImported(database: Database, table: string): Promise<number> {
  const { db } = database;
  const row = await db
    .selectFrom(`${table} as s`)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom("gatehouse_import_ledger as l")
            .select(sql.lit(1).as("one"))
            .where("l.model", "=", "user")
            .whereRef("l.source_id", "=", "s.id"),
        ),
      ),
    )
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom("users as u").select(sql.lit(1).as("one")).whereRef("u.id", "=", "s.id"))),
    )
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
