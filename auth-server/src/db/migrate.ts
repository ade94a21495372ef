import type { BetterAuthOptions } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { sql } from "kysely";
import type { Database } from "./database.js";
import { GATEHOUSE_MIGRATIONS } from "./migrations.js";
import { PRE_MIGRATIONS } from "./pre-migrations.js";
import { assertNoForeignTables, assertNoUnimportedStock } from "./stock-schema.js";

/** Arbitrary constant: the PostgreSQL advisory lock that serialises concurrent migrators. */
export const MIGRATION_LOCK_ID = 74_210_001;

export interface MigrateOptions {
  /**
   * Migrate even though stock better-auth tables hold users that were never imported. Only the
   * import itself sets this: it creates Gatehouse's tables, then fills them in one transaction.
   */
  allowUnimportedStock?: boolean;
}

/**
 * Brings the auth tables up to date: Gatehouse's pre-migrations (renames better-auth's migrator must
 * not misread), better-auth's own schema (its Kysely migrator creates missing tables, columns and
 * indexes and never drops anything), then Gatehouse's numbered SQL migrations (triggers, extra
 * tables). Idempotent; safe when several instances start at once.
 *
 * @throws StockSchemaError (nothing changed) when the database holds a stock better-auth schema with
 *   users that were never imported, or a table with a Gatehouse name that is not Gatehouse's: running
 *   over it would lock every existing user out (see docs/COMING-FROM-BETTER-AUTH.md).
 */
export async function migrate(
  database: Database,
  options: BetterAuthOptions,
  { allowUnimportedStock = false }: MigrateOptions = {},
): Promise<string[]> {
  const checked = async (): Promise<string[]> => {
    await assertNoForeignTables(database);
    if (!allowUnimportedStock) await assertNoUnimportedStock(database);
    return runAll(database, options);
  };
  if (database.kind === "postgres") {
    return database.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
      try {
        return await checked();
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
      }
    });
  }
  return checked();
}

async function runAll(database: Database, options: BetterAuthOptions): Promise<string[]> {
  const applied: string[] = [];
  const { db, kind } = database;
  await db.schema
    .createTable("gatehouse_migrations")
    .ifNotExists()
    .addColumn("name", "varchar(200)", (c) => c.primaryKey())
    .addColumn("applied_at", "varchar(40)", (c) => c.notNull())
    .execute();
  const done = new Set(
    (await db.selectFrom("gatehouse_migrations").select("name").execute()).map((r) => r.name as string),
  );
  for (const m of PRE_MIGRATIONS) {
    if (done.has(m.name)) continue;
    await db.transaction().execute(async (trx) => {
      await m.run(trx, database);
      await trx
        .insertInto("gatehouse_migrations")
        .values({ name: m.name, applied_at: new Date().toISOString() })
        .execute();
    });
    applied.push(m.name);
  }
  const plan = await getMigrations(options);
  if (plan.toBeCreated.length + plan.toBeAdded.length + plan.toBeAddedIndexes.length > 0) {
    await plan.runMigrations();
    applied.push(
      ...plan.toBeCreated.map((t) => `better-auth: create ${t.table}`),
      ...plan.toBeAdded.map((t) => `better-auth: alter ${t.table}`),
    );
  }
  for (const m of GATEHOUSE_MIGRATIONS) {
    if (done.has(m.name)) continue;
    await db.transaction().execute(async (trx) => {
      for (const statement of m[kind]) await sql.raw(statement).execute(trx);
      await trx
        .insertInto("gatehouse_migrations")
        .values({ name: m.name, applied_at: new Date().toISOString() })
        .execute();
    });
    applied.push(m.name);
  }
  return applied;
}
