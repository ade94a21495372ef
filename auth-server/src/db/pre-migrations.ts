import { type Kysely, sql } from "kysely";
import type { Database } from "./database.js";
import { rowCount, tableColumns } from "./introspect.js";

/**
 * Changes that must happen before better-auth's migrator compares the tables with the schema, because
 * it would otherwise misread them. Each runs once, in a transaction, recorded in `gatehouse_migrations`
 * like the SQL migrations. Never edit a released entry: append a new one.
 */
export interface PreMigration {
  name: string;
  run(db: Kysely<any>, database: Database): Promise<void>;
}

export const PRE_MIGRATIONS: PreMigration[] = [
  {
    // Gatehouse's key table was called `jwks`, like stock better-auth's, whose columns are camelCase.
    // On a stock database the migrator took the stock table for Gatehouse's and tried to add
    // Gatehouse's required columns to it (UnsafeMigrationError on a populated table). Gatehouse's
    // table is now `auth_jwks`; an existing Gatehouse `jwks` (snake_case `public_key`) is renamed with
    // its keys, so tokens they signed keep verifying. A stock `jwks` is left alone (the import reads it).
    name: "pre-0001_jwks_renamed_auth_jwks",
    async run(db, { kind }) {
      const old = await tableColumns(db, kind, "jwks");
      if (!old?.includes("public_key")) return;
      if (await tableColumns(db, kind, "auth_jwks")) {
        if ((await rowCount(db, "auth_jwks")) > 0)
          throw new Error(
            "Both jwks (Gatehouse's key table before the rename) and auth_jwks hold keys; keep the one whose keys " +
              "your tokens were signed with, drop the other, and migrate again.",
          );
        await db.schema.dropTable("auth_jwks").execute();
      }
      await sql`alter table jwks rename to auth_jwks`.execute(db);
    },
  },
];
