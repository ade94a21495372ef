import { sql } from "kysely";
import { type Database, openDatabase } from "../db/database.js";
import { GATEHOUSE_MIGRATIONS } from "../db/migrations.js";
import { findForeignTables, findStockUserTables, IMPORT_COMMAND } from "../db/stock-schema.js";
import { isDatabaseUnavailable } from "../db/unavailable.js";
import { createMailer } from "../email/index.js";
import { ConfigError, type Env, loadEnv } from "../env.js";
import { commonPasswordCount } from "../security/common-passwords.js";

export interface Finding {
  ok: boolean;
  what: string;
  /** How to fix it, in plain words (problems only). */
  fix?: string;
}

const withTimeout = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not answer in ${ms / 1000} s`)), ms)),
  ]);

/** Explains a configuration problem and how to fix it. */
function fixFor(problem: string): string {
  if (problem.includes("BETTER_AUTH_SECRET"))
    return "Generate one with `openssl rand -base64 32` and set BETTER_AUTH_SECRET (the same value for the backend).";
  if (problem.includes("DATABASE_URL")) return "Use sqlite:./data/gatehouse.db or postgres://user:pass@host:5432/db.";
  if (problem.includes("SMTP_URL"))
    return "Set SMTP_URL=smtp://user:pass@host:587, or EMAIL_TRANSPORT=outbox in development.";
  if (problem.includes("RESEND_API_KEY")) return "Set RESEND_API_KEY from the Resend dashboard.";
  if (problem.includes("outbox"))
    return "In production set EMAIL_TRANSPORT=smtp with SMTP_URL, or resend with RESEND_API_KEY.";
  return "Correct the variable in .env or the environment and run doctor again.";
}

/**
 * Checks configuration, database, migrations, mail transport and Redis, and says what is wrong in
 * plain words. Never throws: every failure becomes a finding.
 */
export async function doctor(source: Record<string, string | undefined> = process.env): Promise<Finding[]> {
  const findings: Finding[] = [];
  let env: Env;
  try {
    env = loadEnv({ ...source, LOG_LEVEL: "silent" });
    findings.push({ ok: true, what: `configuration valid (${env.NODE_ENV})` });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.message.split("\n").slice(1)) {
      const problem = line.replace(/^\s*-\s*/, "");
      findings.push({ ok: false, what: problem, fix: fixFor(problem) });
    }
    // Keep checking what can be checked with the values given.
    if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(source.DATABASE_URL ?? "sqlite:")) return findings;
    env = loadEnv({
      ...source,
      NODE_ENV: "development",
      BETTER_AUTH_SECRET: "doctor-placeholder",
      EMAIL_TRANSPORT: "outbox",
      TRUSTED_PROXIES: "",
      REDIS_URL: "",
      OIDC_PROVIDERS: "",
      LOG_LEVEL: "silent",
    });
  }

  // Each of its few statements answers within seconds or the database is not well: 5 s at most, whatever the
  // service's own limit (0 would let a stalled database hang the command).
  const database = openDatabase(env.DATABASE_URL, {
    poolSize: 1,
    statementTimeoutSeconds: Math.min(env.DATABASE_STATEMENT_TIMEOUT_SECONDS || 5, 5),
  });
  try {
    await withTimeout(sql`select 1`.execute(database.db), 5_000, "the database");
    findings.push({ ok: true, what: `database reachable (${database.kind})` });
    const applied = await database.db
      .selectFrom("gatehouse_migrations")
      .select("name")
      .execute()
      // No table yet: nothing applied. A database that stopped answering is reported as such below.
      .catch((err: unknown) => {
        if (isDatabaseUnavailable(err)) throw err;
        return [];
      });
    const missing = GATEHOUSE_MIGRATIONS.filter((m) => !applied.some((a) => a.name === m.name));
    findings.push(
      missing.length === 0
        ? { ok: true, what: "migrations up to date" }
        : {
            ok: false,
            what: `${missing.length} migration(s) not applied`,
            fix: "Run `npm run -s gatehouse -w auth-server -- migrate` (the server also migrates on start).",
          },
    );
    findings.push(...(await stockSchemaFindings(database)));
  } catch (err) {
    findings.push({
      ok: false,
      what: `database unreachable: ${(err as Error).message}`,
      fix: "Check DATABASE_URL (host, port, user, password, database name) and that the server is running.",
    });
  } finally {
    await database.close().catch(() => {});
  }

  if (source.EMAIL_TRANSPORT === "smtp" || source.EMAIL_TRANSPORT === "resend" || env.EMAIL_TRANSPORT !== "outbox") {
    const mailer = createMailer({
      ...env,
      EMAIL_TRANSPORT: (source.EMAIL_TRANSPORT as Env["EMAIL_TRANSPORT"]) ?? env.EMAIL_TRANSPORT,
      SMTP_URL: source.SMTP_URL,
      RESEND_API_KEY: source.RESEND_API_KEY,
    });
    try {
      await withTimeout(mailer.verify(), 10_000, `the ${mailer.transport} transport`);
      findings.push({ ok: true, what: `mail transport ${mailer.transport} reachable` });
    } catch (err) {
      findings.push({
        ok: false,
        what: `mail transport ${mailer.transport} unreachable: ${(err as Error).message}`,
        fix:
          mailer.transport === "smtp"
            ? "Check SMTP_URL (host, port, credentials) and that the SMTP server accepts connections."
            : "Check RESEND_API_KEY.",
      });
    } finally {
      await mailer.close().catch(() => {});
    }
  } else {
    findings.push({ ok: true, what: "mail transport outbox (development only: mails are listed at /api/dev/outbox)" });
  }

  findings.push({
    ok: commonPasswordCount() === 10_000,
    what: `common-password list loaded (${commonPasswordCount()} entries)`,
  });
  return findings;
}

/**
 * Stock better-auth tables in this database: never imported (the server refuses to start), imported
 * with users still missing (conflicts the import listed, or sign-ups on the stock server since), or
 * imported completely. Tables with Gatehouse's names that are not Gatehouse's are named too.
 */
async function stockSchemaFindings(database: Database): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const f of await findForeignTables(database)) {
    findings.push({
      ok: false,
      what: `table ${f.table} has Gatehouse's name but not its columns (no ${f.missing}): a better-auth schema with a custom modelName?`,
      fix: "Rename it (e.g. ba_users) and import it with --mapping; see docs/COMING-FROM-BETTER-AUTH.md.",
    });
  }
  for (const t of await findStockUserTables(database)) {
    if (t.users === 0) continue;
    if (!t.importedAt) {
      findings.push({
        ok: false,
        what: `stock better-auth schema not imported: "${t.table}" holds ${t.users} user(s) Gatehouse cannot see (the server refuses to start)`,
        fix: `Run \`${IMPORT_COMMAND}\` (add --dry-run first to see what it would do).`,
      });
    } else if (t.notImported > 0) {
      findings.push({
        ok: false,
        what: `${t.notImported} of ${t.users} stock better-auth user(s) in "${t.table}" are not in Gatehouse (last import ${t.importedAt})`,
        fix: `Run \`${IMPORT_COMMAND} --dry-run\`: it lists conflicts to fix in the source; then import again. Drop the stock tables once the cut-over is done.`,
      });
    } else {
      findings.push({
        ok: true,
        what: `stock better-auth tables imported (${t.importedAt}); drop "${t.table}" and its siblings when you no longer need a way back`,
      });
    }
  }
  return findings;
}

/** One line per finding, problems with their fix. */
export function formatFindings(findings: Finding[]): string {
  return findings.map((f) => (f.ok ? `  ok    ${f.what}` : `  FAIL  ${f.what}\n        fix: ${f.fix}`)).join("\n");
}
