import type { Kysely } from "kysely";
import { tableColumns } from "../../db/introspect.js";
import { assertNoForeignTables } from "../../db/stock-schema.js";
import type { Gatehouse } from "../../gatehouse.js";
import { readRow, UnmappableValue, writeRow } from "./convert.js";
import { inspectSource, type SourceLayout } from "./inspect.js";
import { copyVerificationsToSecondaryStorage, notices, record, verificationsInSecondaryStorage } from "./outcome.js";
import { type ImportReport, LISTED_REASONS, MAX_FINDINGS, SKIP, type TableReport } from "./report.js";
import { RULES, type Run, SecretMismatchError, type Values } from "./rules.js";
import { gatehouseSchema, type Mapping, MappingError, MODELS, type Model, stockSchema } from "./schema.js";
import { checkSourceUrl, openSource, redactUrl, SourceError, sameDatabase } from "./source.js";

/**
 * `gatehouse import better-auth`: copies a stock better-auth database into Gatehouse's tables in one
 * transaction. Rows are matched by id and never updated: a row is new (imported), already imported
 * (left as Gatehouse has it now: an upgraded hash, a signed-out session), or skipped with a reason.
 * A ledger remembers every imported row, so a run after the cut-over neither duplicates rows nor
 * brings back what Gatehouse has since deleted (a revoked session, a deleted account).
 */

export interface ImportOptions {
  /** The stock database: `sqlite:<path>` or `postgres://…`; Gatehouse's own DATABASE_URL for in place. */
  from: string;
  /** Report what would happen; write nothing (not even Gatehouse's tables). */
  dryRun?: boolean;
  mapping?: Mapping;
  /** Rows read per query. */
  batchSize?: number;
}

const LEDGER = "gatehouse_import_ledger";

/** Thrown inside the transaction of a dry run so that nothing it did can be committed. */
class DryRunRollback extends Error {}

/** The database refused a write (e.g. a row Gatehouse added meanwhile): everything was rolled back. */
export class ImportRolledBack extends Error {
  override name = "ImportRolledBack";
}

/**
 * Runs one import and returns its report. @throws MappingError, SourceError, SecretMismatchError
 * (nothing written), or a database error (the transaction rolled back, nothing written).
 */
export async function importBetterAuth(gh: Gatehouse, opts: ImportOptions): Promise<ImportReport> {
  checkSourceUrl(opts.from);
  const dryRun = opts.dryRun === true;
  const inPlace = sameDatabase(opts.from, gh.env.DATABASE_URL);
  const stock = stockSchema(opts.mapping);
  const target = gatehouseSchema(gh.auth.options);
  // A table with Gatehouse's name but not its columns: nothing may be written next to it.
  await assertNoForeignTables(gh.database);
  const source = inPlace ? null : openSource(opts.from);
  try {
    const srcDb = source?.db ?? gh.database.db;
    const srcKind = source?.kind ?? gh.database.kind;
    const layout = await inspectSource(srcDb, srcKind, stock, target, inPlace).catch((err: unknown) => {
      if (err instanceof MappingError) throw err;
      throw new SourceError(`cannot read the source database: ${(err as Error).message}`);
    });
    // Gatehouse's tables first (better-auth's migrator cannot run inside the import's transaction).
    if (!dryRun) await gh.migrate({ allowUnimportedStock: true });
    const ctx = await gh.auth.$context;
    let report: ImportReport | undefined;
    const importedVerifications: Values[] = [];
    const body = async (src: Kysely<any>, dst: Kysely<any>): Promise<void> => {
      const run: Run = {
        dst,
        kind: gh.database.kind,
        target,
        targetReady: (await tableColumns(dst, gh.database.kind, target.user.table)) !== null,
        ledgerReady: (await tableColumns(dst, gh.database.kind, LEDGER)) !== null,
        readyTables: new Set(
          (
            await Promise.all(
              MODELS.map(async (m) =>
                (await tableColumns(dst, gh.database.kind, target[m].table)) ? target[m].table : "",
              ),
            )
          ).filter(Boolean),
        ),
        verificationsInSecondaryStorage: verificationsInSecondaryStorage(gh),
        now: new Date(),
        secret: ctx.secretConfig,
        importedUsers: new Set(),
        bannedUsers: new Set(),
        importedVerifications,
        duplicateEmails: await duplicateEmails(src, layout),
        counters: { lowercased: 0, unknownRoles: new Map(), foreignHashes: 0, plaintextKeys: 0 },
      };
      report = {
        dryRun,
        inPlace,
        source: redactUrl(opts.from),
        tables: [],
        findings: [],
        unmappedColumns: layout.unmappedColumns,
        otherTables: layout.otherTables,
        notices: [],
        recorded: false,
      };
      for (const model of MODELS) {
        report.tables.push(await importModel(model, src, layout, run, report, dryRun, opts.batchSize ?? 500));
      }
      report.notices.push(...notices(report, run));
      if (!dryRun) report.recorded = await record(dst, gh.database.kind, report, inPlace ? "in place" : report.source);
      if (dryRun) throw new DryRunRollback();
    };
    const inTarget = (src: Kysely<any> | null) => gh.database.db.transaction().execute((trx) => body(src ?? trx, trx));
    try {
      if (!source) await inTarget(null);
      // A second database is read in one snapshot: PostgreSQL REPEATABLE READ; SQLite's read
      // transaction sees one state of the file from its first read on.
      else if (source.kind === "postgres")
        await source.db
          .transaction()
          .setIsolationLevel("repeatable read")
          .execute((srcTrx) => inTarget(srcTrx));
      else await source.db.transaction().execute((srcTrx) => inTarget(srcTrx));
    } catch (err) {
      if (err instanceof DryRunRollback) {
        // The dry run's transaction ended without a write; its report is complete.
      } else if (err instanceof SecretMismatchError) throw err;
      else
        throw new ImportRolledBack(`the import stopped and was rolled back: ${(err as Error).message}`, { cause: err });
    }
    if (!report) throw new Error("import produced no report");
    if (!dryRun) await copyVerificationsToSecondaryStorage(gh, importedVerifications);
    return report;
  } finally {
    await source?.close();
  }
}

async function importModel(
  model: Model,
  src: Kysely<any>,
  layout: SourceLayout,
  run: Run,
  report: ImportReport,
  dryRun: boolean,
  batchSize: number,
): Promise<TableReport> {
  const side = layout.models[model];
  const target = run.target[model];
  const t: TableReport = {
    model,
    source: side?.table ?? null,
    target: target.table,
    read: 0,
    imported: 0,
    already: 0,
    skipped: {},
  };
  if (!side) return t;
  const skipRow = (id: string, reason: string, detail: string): void => {
    t.skipped[reason] = (t.skipped[reason] ?? 0) + 1;
    if (report.findings.length < MAX_FINDINGS && LISTED_REASONS.has(reason))
      report.findings.push({ model, id, reason, detail });
  };
  const idColumn = side.schema.fields.id?.column ?? "id";
  let last: unknown = null;
  for (;;) {
    let query = src.selectFrom(side.table).select(side.columns).orderBy(idColumn).limit(batchSize);
    if (last !== null) query = query.where(idColumn, ">", last);
    const rows = await query.execute();
    if (rows.length === 0) break;
    last = rows[rows.length - 1]?.[idColumn];
    t.read += rows.length;

    const fresh: Values[] = [];
    for (const row of rows) {
      const id = String(row[idColumn] ?? "");
      try {
        fresh.push({ ...readRow(side.schema, side.present, row), id } as Values);
      } catch (err) {
        if (!(err instanceof UnmappableValue)) throw err;
        skipRow(id, SKIP.UNMAPPABLE, err.message);
      }
    }
    const ids = fresh.map((v) => v.id);
    const inTarget = await existing(run, target.table, "id", ids);
    const inLedger = await ledgered(run, model, ids);
    const candidates = fresh.filter((v) => {
      if (inTarget.has(v.id)) t.already++;
      else if (inLedger.has(v.id)) skipRow(v.id, SKIP.REMOVED, "");
      else return true;
      return false;
    });
    const verdicts = await RULES[model](candidates, run);
    const accepted: Values[] = [];
    verdicts.forEach((verdict, i) => {
      const id = candidates[i]?.id ?? "";
      if (verdict.kind === "skip") skipRow(id, verdict.reason, verdict.detail);
      else accepted.push(verdict.values);
    });
    if (model === "user") for (const v of accepted) run.importedUsers.add(v.id);
    if (model === "verification") run.importedVerifications.push(...accepted);
    t.imported += accepted.length;
    // Verification values better-auth reads from Redis only go there, after the commit.
    const toDatabase = !(model === "verification" && run.verificationsInSecondaryStorage);
    if (!dryRun && accepted.length > 0) {
      if (toDatabase)
        await run.dst
          .insertInto(target.table)
          .values(accepted.map((v) => writeRow(run.kind, target, v)))
          .execute();
      const at = run.kind === "sqlite" ? run.now.toISOString() : run.now;
      await run.dst
        .insertInto(LEDGER)
        .values(accepted.map((v) => ({ model, source_id: v.id, imported_at: at })))
        .execute();
    }
    if (rows.length < batchSize) break;
  }
  return t;
}

/** Values of `column` in `table` among `values` (empty when the table does not exist yet). */
async function existing(run: Run, table: string, column: string, values: string[]): Promise<Set<string>> {
  if (!run.readyTables.has(table) || values.length === 0) return new Set();
  const rows = await run.dst.selectFrom(table).select(`${column} as v`).where(column, "in", values).execute();
  return new Set(rows.map((r) => String(r.v)));
}

async function ledgered(run: Run, model: Model, ids: string[]): Promise<Set<string>> {
  if (!run.ledgerReady || ids.length === 0) return new Set();
  const rows = await run.dst
    .selectFrom(LEDGER)
    .select("source_id")
    .where("model", "=", model)
    .where("source_id", "in", ids)
    .execute();
  return new Set(rows.map((r) => String(r.source_id)));
}

/** Lower-cased emails that more than one source user holds (compared as better-auth compares them). */
async function duplicateEmails(src: Kysely<any>, layout: SourceLayout): Promise<Set<string>> {
  const users = layout.models.user;
  if (!users) return new Set();
  const email = users.schema.fields.email?.column ?? "email";
  const seen = new Set<string>();
  const dup = new Set<string>();
  const rows = await src.selectFrom(users.table).select(`${email} as e`).execute();
  for (const r of rows) {
    const e = typeof r.e === "string" ? r.e.toLowerCase() : "";
    if (!e) continue;
    if (seen.has(e)) dup.add(e);
    seen.add(e);
  }
  return dup;
}
