import { readFileSync } from "node:fs";
import type { BetterAuthOptions } from "better-auth";
import { getAuthTables } from "better-auth/db";
import { admin, jwt } from "better-auth/plugins";
import { z } from "zod";

/**
 * The two sides of an import, both resolved by better-auth's own `getAuthTables`, so table and column
 * names are exactly what better-auth 1.7 would use: the stock source (default `modelName`s and
 * camelCase fields, or the team's custom ones from a mapping file) and Gatehouse's target.
 */

/** The better-auth models an import carries over (core, admin plugin columns, jwt plugin keys). */
export const MODELS = ["user", "account", "session", "verification", "jwks"] as const;
export type Model = (typeof MODELS)[number];

/** better-auth field types an import converts (others are copied as they are). */
export type FieldType = "string" | "date" | "boolean" | "number";

export interface FieldDef {
  /** Column name in the table. */
  column: string;
  type: FieldType | string;
  required: boolean;
  /** better-auth's default, used when the source has no such column. */
  defaultValue?: unknown;
}

/** One model: its table and its fields by better-auth's logical name (`id` included). */
export interface ModelSchema {
  table: string;
  fields: Record<string, FieldDef>;
}

export type Schema = Record<Model, ModelSchema>;

/** The admin plugin's columns, which live on the user and session models. */
const ADMIN_FIELDS = { user: ["role", "banned", "banReason", "banExpires"], session: ["impersonatedBy"] } as const;

const modelMapping = z.strictObject({
  modelName: z.string().min(1).optional(),
  fields: z.record(z.string(), z.string().min(1)).optional(),
});

/**
 * A mapping file: the `modelName` and `fields` the team gave better-auth, per model, admin-plugin
 * fields under `user`/`session`, the jwt plugin's under `jwks`. Example:
 * `{"user": {"modelName": "app_users", "fields": {"emailVerified": "email_verified"}}}`.
 */
export const mappingSchema = z.strictObject({
  user: modelMapping.optional(),
  session: modelMapping.optional(),
  account: modelMapping.optional(),
  verification: modelMapping.optional(),
  jwks: modelMapping.optional(),
});
export type Mapping = z.infer<typeof mappingSchema>;

/** A mapping file that cannot be used: the message says what to correct. */
export class MappingError extends Error {
  override name = "MappingError";
}

/** Reads and validates a mapping file. @throws MappingError naming the file and every problem. */
export function readMapping(path: string): Mapping {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new MappingError(`cannot read the mapping file ${path}: ${(err as Error).message}`);
  }
  const parsed = mappingSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`);
    throw new MappingError(`the mapping file ${path} is not valid:\n  - ${problems.join("\n  - ")}`);
  }
  return parsed.data;
}

function pick(fields: Record<string, string> | undefined, keep: (name: string) => boolean): Record<string, string> {
  return Object.fromEntries(Object.entries(fields ?? {}).filter(([name]) => keep(name)));
}

/** Resolves better-auth tables into the import's shape. */
function toSchema(tables: ReturnType<typeof getAuthTables>): Schema {
  const schema = {} as Schema;
  for (const model of MODELS) {
    const table = tables[model];
    if (!table) throw new Error(`better-auth has no ${model} model in this configuration`);
    const fields: Record<string, FieldDef> = { id: { column: "id", type: "string", required: true } };
    for (const [name, f] of Object.entries(table.fields)) {
      fields[name] = {
        column: f.fieldName ?? name,
        type: typeof f.type === "string" ? f.type : "json",
        required: f.required === true,
        defaultValue: f.defaultValue,
      };
    }
    schema[model] = { table: table.modelName, fields };
  }
  return schema;
}

/**
 * The stock source: a better-auth 1.7 database with the bearer, jwt and admin plugins, named as the
 * mapping says (defaults otherwise). @throws MappingError for a field better-auth does not have.
 */
export function stockSchema(mapping: Mapping = {}): Schema {
  const isAdmin = (model: "user" | "session") => (name: string) =>
    (ADMIN_FIELDS[model] as readonly string[]).includes(name);
  const core = (model: "user" | "session" | "account" | "verification") => ({
    ...(mapping[model]?.modelName ? { modelName: mapping[model]?.modelName } : {}),
    fields: pick(mapping[model]?.fields, (n) => !(model === "user" || model === "session") || !isAdmin(model)(n)),
  });
  const options = {
    user: core("user"),
    session: core("session"),
    account: core("account"),
    verification: core("verification"),
    plugins: [
      admin({
        schema: {
          user: { fields: pick(mapping.user?.fields, isAdmin("user")) },
          session: { fields: pick(mapping.session?.fields, isAdmin("session")) },
        },
      }),
      jwt({
        schema: {
          jwks: {
            ...(mapping.jwks?.modelName ? { modelName: mapping.jwks.modelName } : {}),
            fields: mapping.jwks?.fields ?? {},
          },
        },
      }),
    ],
  } as BetterAuthOptions;
  const schema = toSchema(getAuthTables(options));
  const problems: string[] = [];
  for (const model of MODELS) {
    for (const name of Object.keys(mapping[model]?.fields ?? {})) {
      if (!(name in schema[model].fields))
        problems.push(
          `${model}.fields.${name}: not a better-auth ${model} field (${Object.keys(schema[model].fields).join(", ")})`,
        );
    }
  }
  if (problems.length > 0) throw new MappingError(`the mapping names unknown fields:\n  - ${problems.join("\n  - ")}`);
  return schema;
}

/**
 * Gatehouse's side, from the running configuration (its snake_case names, its plugins' fields). With
 * Redis, better-auth leaves the verification model out (it keeps the values in Redis only); its names
 * are still taken from the configuration, for the database table a deployment without Redis uses.
 */
export function gatehouseSchema(options: BetterAuthOptions): Schema {
  return toSchema(getAuthTables({ ...options, secondaryStorage: undefined }));
}
