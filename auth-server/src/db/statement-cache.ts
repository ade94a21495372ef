import type SQLiteDriver from "better-sqlite3";
import type { SqliteDatabase } from "kysely";

/**
 * A better-sqlite3 connection for Kysely's SqliteDialect that prepares each SQL text once.
 * Kysely prepares every query it runs, and preparing costs as much as running a short indexed
 * query (a sign-in runs about ten), while the SQL better-auth and Gatehouse send comes from a small
 * fixed set of texts. Statements are kept in least-recently-used order up to `max`. A cached
 * statement still iterating a result (Kysely's `stream()`) is never handed out twice: the caller
 * gets a fresh one. SQLite re-prepares a cached statement itself when the schema changes.
 */
export function withStatementCache(conn: SQLiteDriver.Database, max = 256): SqliteDatabase {
  const cache = new Map<string, SQLiteDriver.Statement>();
  return {
    close: () => conn.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached) {
        if (cached.busy) return conn.prepare(sql);
        // Most recently used last, so the oldest goes first when the cache is full.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = conn.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
      return statement;
    },
  };
}
