/**
 * OpenAPI 3.1 schemas are JSON Schema 2020-12 (OpenAPI 3.1.0 §4.8.24): null is a type, and the 3.0
 * keyword `nullable` means nothing. better-auth's hand-written response schemas still use it, so a
 * 3.1 validator or generator reads `{type: "string", nullable: true}` as "never null". These helpers
 * rewrite every such schema, at any depth, into its 2020-12 form.
 */

/** A JSON Schema object (loosely typed: documents come from many writers). */
export type Schema = Record<string, unknown>;

const SCHEMA_MAPS = ["properties", "patternProperties", "$defs", "dependentSchemas"] as const;
const SCHEMA_VALUES = [
  "items",
  "additionalProperties",
  "unevaluatedProperties",
  "propertyNames",
  "contains",
  "not",
  "if",
  "then",
  "else",
] as const;
const SCHEMA_LISTS = ["anyOf", "oneOf", "allOf", "prefixItems"] as const;

function isSchema(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The same schema, also accepting null: `type` gains "null" (and `enum` gains null), a `$ref` or a
 * type-less schema becomes `anyOf: [schema, {type: "null"}]`. Already-nullable schemas are returned
 * as they are.
 */
export function allowNull(schema: Schema): Schema {
  if (acceptsNull(schema)) return schema;
  const { type } = schema;
  if (schema.$ref === undefined && (typeof type === "string" || Array.isArray(type))) {
    const types = Array.isArray(type) ? type : [type];
    const out: Schema = { ...schema, type: [...types, "null"] };
    if (Array.isArray(schema.enum)) out.enum = [...schema.enum, null];
    return out;
  }
  const { description, ...rest } = schema;
  return { anyOf: [rest, { type: "null" }], ...(description === undefined ? {} : { description }) };
}

/** True when `schema` says outright that null is a valid instance. */
export function acceptsNull(schema: Schema): boolean {
  const { type } = schema;
  if (type === "null" || (Array.isArray(type) && type.includes("null"))) return true;
  const branches = [schema.anyOf, schema.oneOf].filter(Array.isArray).flat() as unknown[];
  return branches.some((b) => isSchema(b) && acceptsNull(b));
}

/**
 * Rewrites one schema and all its subschemas to JSON Schema 2020-12: `nullable: true` becomes a
 * null type (see allowNull), `nullable: false` is dropped, and a `type` beside `$ref` is dropped
 * (better-auth writes `{type: "object", $ref}`; the referenced schema already says it).
 */
export function toJsonSchema2020(input: unknown): unknown {
  if (Array.isArray(input)) return input.map(toJsonSchema2020);
  if (!isSchema(input)) return input;
  const out: Schema = { ...input };
  for (const key of SCHEMA_MAPS) {
    const map = out[key];
    if (isSchema(map)) out[key] = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, toJsonSchema2020(v)]));
  }
  for (const key of SCHEMA_VALUES) if (isSchema(out[key])) out[key] = toJsonSchema2020(out[key]);
  for (const key of SCHEMA_LISTS) if (Array.isArray(out[key])) out[key] = (out[key] as unknown[]).map(toJsonSchema2020);
  if (out.$ref !== undefined) delete out.type;
  // zod literals come out as a bare `enum`; generators want the type beside it (same meaning).
  if (out.type === undefined && out.$ref === undefined && Array.isArray(out.enum) && out.enum.length > 0) {
    const types = [...new Set(out.enum.map((v) => (v === null ? "null" : typeof v)))];
    if (types.every((t) => ["string", "number", "boolean", "null"].includes(t)))
      out.type = types.length === 1 ? types[0] : types;
  }
  const nullable = out.nullable === true;
  delete out.nullable;
  return nullable ? allowNull(out) : out;
}

function mapContent(content: unknown): unknown {
  if (!isSchema(content)) return content;
  return Object.fromEntries(
    Object.entries(content).map(([type, media]) => [
      type,
      isSchema(media) && media.schema !== undefined ? { ...media, schema: toJsonSchema2020(media.schema) } : media,
    ]),
  );
}

/** toJsonSchema2020 applied to every schema of one operation: parameters, request body, answers. */
export function operationTo2020(op: Schema): Schema {
  const out: Schema = { ...op };
  if (Array.isArray(op.parameters)) {
    out.parameters = op.parameters.map((p) =>
      isSchema(p) && p.schema !== undefined ? { ...p, schema: toJsonSchema2020(p.schema) } : p,
    );
  }
  if (isSchema(op.requestBody)) out.requestBody = { ...op.requestBody, content: mapContent(op.requestBody.content) };
  if (isSchema(op.responses)) {
    out.responses = Object.fromEntries(
      Object.entries(op.responses).map(([status, res]) => [
        status,
        isSchema(res) && res.content !== undefined ? { ...res, content: mapContent(res.content) } : res,
      ]),
    );
  }
  return out;
}
