import type { BetterAuthOptions } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { sql } from "kysely";
import type { Database } from "./database.js";
import { GATEHOUSE_MIGRATIONS } from "./migrations.js";

/** Arbitrary constant: the PostgreSQL advisory lock that serialises concurrent migrators. */
const MIGRATION_LOCK_ID = 74_210_001;

/**
 * Brings the auth tables up to date: first better-auth's own schema (its Kysely migrator creates
 * missing tables, columns and indexes and never drops anything), then Gatehouse's numbered SQL
 * migrations (triggers, extra tables). Idempotent; safe when several instances start at once.
 */
export async function migrate(database: Database, options: BetterAuthOptions): Promise<string[]> {
  if (database.kind === "postgres") {
    return database.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${MIGRATION_LOCK_ID})`.execute(conn);
      try {
        return await runAll(database, options);
      } finally {
        await sql`select pg_advisory_unlock(${MIGRATION_LOCK_ID})`.execute(conn);
      }
    });
  }
  return runAll(database, options);
}

async function runAll(database: Database, options: BetterAuthOptions): Promise<string[]> {
  const applied: string[] = [];
  const plan = await getMigrations(options);
  if (plan.toBeCreated.length + plan.toBeAdded.length + plan.toBeAddedIndexes.length > 0) {
    await plan.runMigrations();
    applied.push(
      ...plan.toBeCreated.map((t) => `better-auth: create ${t.table}`),
      ...plan.toBeAdded.map((t) => `better-auth: alter ${t.table}`),
    );
  }
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
