import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import SQLite from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { withStatementCache } from "./statement-cache.js";

describe("withStatementCache", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const open = (max?: number) => {
    const dir = mkdtempSync(join(tmpdir(), "stmt-cache-"));
    dirs.push(dir);
    const conn = new SQLite(join(dir, "x.db"));
    return { conn, cached: withStatementCache(conn, max) };
  };

  it("prepares a SQL text once and reuses it, keeping at most `max`", () => {
    const { conn, cached } = open(2);
    const a = cached.prepare("select 1 as x");
    expect(cached.prepare("select 1 as x")).toBe(a);
    cached.prepare("select 2 as x");
    cached.prepare("select 1 as x"); // used again: now the newest
    cached.prepare("select 3 as x"); // evicts "select 2"
    expect(cached.prepare("select 1 as x")).toBe(a);
    expect(cached.prepare("select 2 as x").all([])).toEqual([{ x: 2 }]);
    conn.close();
  });

  it("hands out a fresh statement while the cached one is still iterating", () => {
    const { conn, cached } = open();
    conn.exec("create table t (n integer); insert into t values (1), (2), (3);");
    const first = cached.prepare("select n from t order by n");
    const rows = first.iterate([]);
    rows.next();
    const second = cached.prepare("select n from t order by n");
    expect(second).not.toBe(first);
    expect(second.all([])).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    rows.return?.();
    conn.close();
  });

  it("follows schema changes through Kysely (SQLite re-prepares cached statements)", async () => {
    const { cached } = open();
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: cached }) });
    await db.schema.createTable("t").addColumn("a", "integer").execute();
    await db.insertInto("t").values({ a: 1 }).execute();
    expect(await db.selectFrom("t").selectAll().execute()).toEqual([{ a: 1 }]);
    await db.schema.alterTable("t").addColumn("b", "text").execute();
    expect(await db.selectFrom("t").selectAll().execute()).toEqual([{ a: 1, b: null }]);
    await db.destroy();
  });
});
