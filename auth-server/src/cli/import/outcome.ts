import type { BetterAuthOptions } from "better-auth";
import type { Kysely } from "kysely";
import type { DatabaseKind } from "../../db/database.js";
import type { Gatehouse } from "../../gatehouse.js";
import type { ImportReport } from "./report.js";
import type { Run, Values } from "./rules.js";

/** What an import does once its rows are decided: notes for the operator, its record, Redis. */

const IMPORTS = "gatehouse_imports";

/** Changes and caveats worth knowing, from the run's counters. */
export function notices(report: ImportReport, run: Run): string[] {
  const out: string[] = [];
  const { lowercased, unknownRoles, foreignHashes, plaintextKeys } = run.counters;
  if (lowercased > 0)
    out.push(
      `${lowercased} email address(es) stored lower-cased: better-auth looks emails up lower-cased, so these could not sign in before.`,
    );
  if (unknownRoles.size > 0) {
    const list = [...unknownRoles].map(([role, n]) => `"${role}" (${n} user(s))`).join(", ");
    out.push(
      `roles Gatehouse does not define: ${list}; they are kept but grant nothing (Gatehouse's roles: user, admin).`,
    );
  }
  if (foreignHashes > 0)
    out.push(
      `${foreignHashes} password hash(es) are neither stock scrypt nor argon2id: those users must reset their password.`,
    );
  if (plaintextKeys > 0)
    out.push(
      `${plaintextKeys} JWKS private key(s) were stored unencrypted; they are now encrypted with BETTER_AUTH_SECRET.`,
    );
  const keys = report.tables.find((t) => t.model === "jwks")?.imported ?? 0;
  if (keys > 0)
    out.push(
      `${keys} signing key(s) stay published at /api/auth/jwks but no longer sign: JWTs they signed verify until they expire; Gatehouse signs new ones with a key of its own.`,
    );
  const sessions = report.tables.find((t) => t.model === "session")?.imported ?? 0;
  if (sessions > 0)
    out.push(
      "old session cookies are signed with the stock server's BETTER_AUTH_SECRET: Gatehouse must use the same secret.",
    );
  if (report.inPlace && !report.dryRun)
    out.push(
      "the stock tables are left as they were (the stock server can still run on them); drop them once you no longer need a way back.",
    );
  return out;
}

/** Stores the run (in its transaction) when it imported something or is the first from this source. */
export async function record(
  dst: Kysely<any>,
  kind: DatabaseKind,
  report: ImportReport,
  source: string,
): Promise<boolean> {
  const imported = report.tables.reduce((a, t) => a + t.imported, 0);
  const earlier = await dst.selectFrom(IMPORTS).select("id").where("source_database", "=", source).executeTakeFirst();
  if (imported === 0 && earlier) return false;
  const now = new Date();
  await dst
    .insertInto(IMPORTS)
    .values({
      source: "better-auth",
      source_database: source,
      in_place: kind === "sqlite" ? (report.inPlace ? 1 : 0) : report.inPlace,
      finished_at: kind === "sqlite" ? now.toISOString() : now,
      summary: JSON.stringify({ tables: report.tables, notices: report.notices }),
    })
    .execute();
  return true;
}

/** True when better-auth keeps verification values in Redis only (no `verification.storeInDatabase`). */
export function verificationsInSecondaryStorage(gh: Gatehouse): boolean {
  const options = gh.auth.options as BetterAuthOptions;
  return Boolean(options.secondaryStorage) && !options.verification?.storeInDatabase;
}

/**
 * With Redis, better-auth keeps verification values (reset-password links, …) only there unless
 * `verification.storeInDatabase` is set, so imported ones are written where it will look, in the form
 * its internal adapter writes them (`verification:<identifier>`, JSON, TTL until expiry).
 */
export async function copyVerificationsToSecondaryStorage(gh: Gatehouse, values: Values[]): Promise<void> {
  const storage = (gh.auth.options as BetterAuthOptions).secondaryStorage;
  if (!storage || !verificationsInSecondaryStorage(gh)) return;
  const now = Date.now();
  for (const v of values) {
    const expiresAt = v.expiresAt as Date;
    const ttl = Math.floor((expiresAt.getTime() - now) / 1000);
    if (ttl <= 0) continue;
    const { id, identifier, value, createdAt, updatedAt } = v;
    await storage.set(
      `verification:${identifier}`,
      JSON.stringify({ id, identifier, value, expiresAt, createdAt, updatedAt }),
      ttl,
    );
  }
}
