import type { Model } from "./schema.js";

/** What happened to one model's rows (in a dry run: what would happen). */
export interface TableReport {
  model: Model;
  /** Source table; null when the source has none (e.g. no jwt plugin, so no keys). */
  source: string | null;
  target: string;
  /** Rows read from the source. */
  read: number;
  /** New rows written (dry run: that would be written). */
  imported: number;
  /** Rows an earlier import already brought over (left as Gatehouse has them now). */
  already: number;
  /** Rows not imported, by reason (conflicts, rows it cannot map, expired, orphaned). */
  skipped: Record<string, number>;
}

/** One row that needs the operator: a conflict or a row that cannot be mapped. */
export interface RowFinding {
  model: Model;
  id: string;
  reason: string;
  detail: string;
}

/** The whole result of an import run; printed by {@link formatReport} and stored with the import. */
export interface ImportReport {
  dryRun: boolean;
  inPlace: boolean;
  /** The source database, without its password. */
  source: string;
  tables: TableReport[];
  /** Rows needing attention, at most {@link MAX_FINDINGS} (the counts in `tables` are complete). */
  findings: RowFinding[];
  /** Source columns Gatehouse has no place for, with how many rows hold a value there. */
  unmappedColumns: { table: string; column: string; rows: number }[];
  /** Source tables that reference users but are not imported (other better-auth plugins' data). */
  otherTables: { table: string; rows: number }[];
  /** Changes and caveats worth knowing (emails lower-cased, roles Gatehouse does not define, …). */
  notices: string[];
  /** True when this run wrote its record (it imported something, or the first run from this source). */
  recorded: boolean;
}

export const MAX_FINDINGS = 200;

/** Reasons a row is skipped; conflicts and unmappable rows are also listed one by one. */
export const SKIP = {
  UNMAPPABLE: "cannot be mapped",
  EMAIL_DUPLICATE: "conflict: email shared by stock users that differ only in case",
  EMAIL_TAKEN: "conflict: email belongs to another Gatehouse user",
  ACCOUNT_TAKEN: "conflict: provider account linked to another Gatehouse user",
  TOKEN_TAKEN: "conflict: session token already used by another Gatehouse session",
  USER_NOT_IMPORTED: "its user is not imported",
  USER_BANNED: "its user is banned (a ban ends every session)",
  EXPIRED: "expired",
  REMOVED: "imported before, since removed in Gatehouse (not restored)",
} as const;

/** Reasons that need the operator (listed one by one); the others are expected and only counted. */
export const LISTED_REASONS: ReadonlySet<string> = new Set([
  SKIP.UNMAPPABLE,
  SKIP.EMAIL_DUPLICATE,
  SKIP.EMAIL_TAKEN,
  SKIP.ACCOUNT_TAKEN,
  SKIP.TOKEN_TAKEN,
]);

/** How the summary names each model's rows (singular, plural). */
const NOUNS: Record<Model, [string, string]> = {
  user: ["user", "users"],
  account: ["account", "accounts"],
  session: ["session", "sessions"],
  verification: ["verification", "verifications"],
  jwks: ["signing key", "signing keys"],
};

const pad = (s: string | number, n: number): string => String(s).padEnd(n);
const padStart = (s: string | number, n: number): string => String(s).padStart(n);

/** The report as an operator reads it: counts per table, then what needs attention, then the summary. */
export function formatReport(r: ImportReport): string {
  const lines: string[] = [];
  lines.push(
    `${r.dryRun ? "Dry run (nothing written)" : "Import"} from better-auth: ${r.source}${r.inPlace ? " (in place)" : ""}`,
    "",
    `  ${pad("model", 13)}${pad("source table", 16)}${pad("→ Gatehouse", 16)}${padStart("read", 7)}${padStart(r.dryRun ? "would import" : "imported", 13)}${padStart("already", 9)}${padStart("skipped", 9)}`,
  );
  for (const t of r.tables) {
    const skipped = Object.values(t.skipped).reduce((a, b) => a + b, 0);
    lines.push(
      `  ${pad(t.model, 13)}${pad(t.source ?? "(none)", 16)}${pad(`→ ${t.target}`, 16)}${padStart(t.read, 7)}${padStart(t.imported, 13)}${padStart(t.already, 9)}${padStart(skipped, 9)}`,
    );
    for (const [reason, count] of Object.entries(t.skipped)) lines.push(`      ${padStart(count, 6)} ${reason}`);
  }
  if (r.findings.length > 0) {
    lines.push("", "Rows that need you (fix them in the source, then run the import again; it adds only what is new):");
    for (const f of r.findings) lines.push(`  - ${f.model} ${f.id}: ${f.reason}: ${f.detail}`);
    const listed = r.tables.flatMap((t) => Object.entries(t.skipped).filter(([k]) => LISTED_REASONS.has(k)));
    const total = listed.reduce((a, [, n]) => a + n, 0);
    if (total > r.findings.length) lines.push(`  … and ${total - r.findings.length} more`);
  }
  if (r.unmappedColumns.length > 0) {
    lines.push("", "Columns not imported (Gatehouse has no such field):");
    for (const c of r.unmappedColumns) lines.push(`  - ${c.table}.${c.column} (${c.rows} row(s) with a value)`);
  }
  if (r.otherTables.length > 0) {
    lines.push("", "Tables not imported (features Gatehouse does not carry over):");
    for (const t of r.otherTables) lines.push(`  - ${t.table} (${t.rows} row(s))`);
  }
  if (r.notices.length > 0) {
    lines.push("", "Notes:");
    for (const n of r.notices) lines.push(`  - ${n}`);
  }
  lines.push("", summaryLine(r));
  return `${lines.join("\n")}\n`;
}

/** One sentence: what the run did. */
export function summaryLine(r: ImportReport): string {
  const imported = r.tables.reduce((a, t) => a + t.imported, 0);
  const needs = r.tables.reduce(
    (a, t) => a + Object.entries(t.skipped).reduce((b, [k, n]) => b + (LISTED_REASONS.has(k) ? n : 0), 0),
    0,
  );
  const attention = needs > 0 ? ` ${needs} row(s) need attention (listed above).` : "";
  const byModel = r.tables
    .filter((t) => t.imported > 0)
    .map((t) => `${t.imported} ${NOUNS[t.model][t.imported === 1 ? 0 : 1]}`)
    .join(", ");
  if (r.dryRun)
    return imported === 0
      ? `Summary: nothing new to import.${attention}`
      : `Summary: would import ${byModel}; run again without --dry-run to import.${attention}`;
  return imported === 0
    ? `Summary: nothing new to import; the database is unchanged.${attention}`
    : `Summary: imported ${byModel} in one transaction.${attention}`;
}
