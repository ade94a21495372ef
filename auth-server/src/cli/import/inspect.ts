import type { Kysely } from "kysely";
import type { DatabaseKind } from "../../db/database.js";
import { rowCount, tableColumns, tablesWithColumn } from "../../db/introspect.js";
import { MappingError, MODELS, type Model, type ModelSchema, type Schema } from "./schema.js";

/** One model as the source database has it. */
export interface SourceModel {
  table: string;
  schema: ModelSchema;
  /** Logical fields whose column exists in the source table. */
  present: Set<string>;
  /** The columns to read. */
  columns: string[];
}

/** What the source database holds, checked before anything is read or written. */
export interface SourceLayout {
  /** Models whose table exists (no `jwks` without the jwt plugin, for instance). */
  models: Partial<Record<Model, SourceModel>>;
  unmappedColumns: { table: string; column: string; rows: number }[];
  otherTables: { table: string; rows: number }[];
}

/** Fields a source table may lack: plugin columns and fields better-auth fills in itself. */
const OPTIONAL_IN_SOURCE = new Set(["role", "banned", "banReason", "banExpires", "impersonatedBy", "alg", "crv"]);

/**
 * Matches the stock schema (defaults or the mapping) against the source's real tables.
 * @throws MappingError when the user table or a column a model needs is missing, naming what to map.
 */
export async function inspectSource(
  db: Kysely<any>,
  kind: DatabaseKind,
  stock: Schema,
  target: Schema,
  inPlace: boolean,
): Promise<SourceLayout> {
  const layout: SourceLayout = { models: {}, unmappedColumns: [], otherTables: [] };
  const problems: string[] = [];
  const gatehouseTables = new Set(MODELS.map((m) => target[m].table));
  for (const model of MODELS) {
    const schema = stock[model];
    if (inPlace && gatehouseTables.has(schema.table)) {
      problems.push(`${model}: the source table "${schema.table}" is Gatehouse's own; rename the stock table first`);
      continue;
    }
    const columns = await tableColumns(db, kind, schema.table);
    if (!columns) {
      if (model === "user")
        problems.push(
          `no table "${schema.table}" in the source: if better-auth used another modelName, give it in --mapping`,
        );
      continue;
    }
    const present = new Set<string>();
    for (const [name, field] of Object.entries(schema.fields)) {
      if (columns.includes(field.column)) present.add(name);
      else if (field.required && field.defaultValue === undefined && !OPTIONAL_IN_SOURCE.has(name))
        problems.push(`${model}.${name}: no column "${field.column}" in "${schema.table}"; give its name in --mapping`);
    }
    const mapped = new Set([...present].map((name) => schema.fields[name]?.column));
    for (const column of columns.filter((c) => !mapped.has(c))) {
      const row = await db
        .selectFrom(schema.table)
        .select((eb) => eb.fn.count<number | string>(column).as("n"))
        .executeTakeFirstOrThrow();
      layout.unmappedColumns.push({ table: schema.table, column, rows: Number(row.n) });
    }
    layout.models[model] = {
      table: schema.table,
      schema,
      present,
      columns: [...present].map((name) => schema.fields[name]?.column as string),
    };
  }
  if (problems.length > 0)
    throw new MappingError(`the source does not match better-auth's schema:\n  - ${problems.join("\n  - ")}`);
  const imported = new Set(Object.values(layout.models).map((m) => m.table));
  const userColumn = stock.session.fields.userId?.column ?? "userId";
  for (const table of await tablesWithColumn(db, kind, userColumn)) {
    if (!imported.has(table) && !gatehouseTables.has(table))
      layout.otherTables.push({ table, rows: await rowCount(db, table) });
  }
  return layout;
}
