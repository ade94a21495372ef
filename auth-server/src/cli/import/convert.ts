import type { DatabaseKind } from "../../db/database.js";
import type { FieldDef, ModelSchema } from "./schema.js";

/**
 * Values between a source database and Gatehouse's. better-auth's Kysely adapter stores dates as
 * `timestamptz` and booleans as `boolean` on PostgreSQL, and as ISO-8601 text and 0/1 integers on
 * SQLite (its `supportsDates`/`supportsBooleans` are false there); other adapters (Prisma, Drizzle)
 * write SQLite dates as epoch integers. Reading accepts all of these; writing produces exactly what
 * better-auth itself writes for the target engine, so better-auth and the backend read imported rows
 * like their own.
 */

/** A row whose value cannot be carried over: the reason is reported, the row skipped. */
export class UnmappableValue extends Error {
  override name = "UnmappableValue";
}

/** Epoch values below this are seconds (year 5138 in milliseconds), above it milliseconds. */
const EPOCH_SECONDS_LIMIT = 1e11;

/** Parses a stored date in any form better-auth adapters write; null stays null. */
export function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  let date: Date;
  if (value instanceof Date) date = value;
  else if (typeof value === "number" || typeof value === "bigint") {
    const n = Number(value);
    date = new Date(n < EPOCH_SECONDS_LIMIT ? n * 1000 : n);
  } else if (typeof value === "string") {
    const text = value.trim();
    if (/^\d+$/.test(text)) return readDate(Number(text));
    // SQLite's CURRENT_TIMESTAMP form ("2025-01-02 03:04:05") is UTC without a zone marker.
    const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text.replace(" ", "T")}Z` : text;
    date = new Date(iso);
  } else throw new UnmappableValue(`not a date: ${JSON.stringify(value)}`);
  if (Number.isNaN(date.getTime())) throw new UnmappableValue(`not a date: ${JSON.stringify(value)}`);
  return date;
}

/** Parses a stored boolean (true/false, 1/0, "true"/"false", "1"/"0"); null stays null. */
export function readBoolean(value: unknown): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value;
  if (value === 1 || value === 0 || value === 1n || value === 0n) return Number(value) === 1;
  if (typeof value === "string" && ["true", "false", "1", "0", "t", "f"].includes(value.toLowerCase()))
    return ["true", "1", "t"].includes(value.toLowerCase());
  throw new UnmappableValue(`not a boolean: ${JSON.stringify(value)}`);
}

function readValue(field: FieldDef, value: unknown): unknown {
  switch (field.type) {
    case "date":
      return readDate(value);
    case "boolean":
      return readBoolean(value);
    case "number":
      return value === null || value === undefined ? null : Number(value);
    case "string":
      if (value === null || value === undefined) return null;
      return typeof value === "string" ? value : value instanceof Date ? value.toISOString() : String(value);
    default:
      return value ?? null;
  }
}

/**
 * Reads one source row into better-auth values by logical field name. Fields whose column the source
 * lacks are absent from the result. @throws UnmappableValue for a value of the wrong kind.
 */
export function readRow(model: ModelSchema, present: ReadonlySet<string>, row: Record<string, unknown>) {
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(model.fields)) {
    if (!present.has(name)) continue;
    try {
      values[name] = readValue(field, row[field.column]);
    } catch (err) {
      if (err instanceof UnmappableValue) throw new UnmappableValue(`${name}: ${err.message}`);
      throw err;
    }
  }
  return values;
}

function writeValue(kind: DatabaseKind, field: FieldDef, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (kind === "sqlite" && value instanceof Date) return value.toISOString();
  if (kind === "sqlite" && typeof value === "boolean") return value ? 1 : 0;
  if (field.type === "json" && typeof value !== "string" && kind === "sqlite") return JSON.stringify(value);
  return value;
}

/**
 * Turns better-auth values into a Gatehouse row (column names, engine formats). Target fields the
 * values lack take better-auth's default, else null.
 */
export function writeRow(kind: DatabaseKind, model: ModelSchema, values: Record<string, unknown>) {
  const row: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(model.fields)) {
    let value = values[name];
    if (value === undefined || value === null) {
      const fallback = field.defaultValue;
      value = typeof fallback === "function" ? (fallback as () => unknown)() : fallback;
    }
    row[field.column] = writeValue(kind, field, value);
  }
  return row;
}
