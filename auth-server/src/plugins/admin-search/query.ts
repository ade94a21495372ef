import { APIError } from "better-auth/api";
import { CHARACTER_SETS, ErrorCode, PAGE_LIMIT_MAX, PAGE_OFFSET_MAX } from "../../contract.gen.js";
import { codePointName, forbiddenCodePoint } from "../user-fields/fields.js";

/**
 * The user fields an admin may sort and filter the user list by: the public ones, those
 * list-users answers with. Anything else (a credential column such as `password`, a column of
 * another table, a typo) is refused: better-auth would run the query, fail inside its own
 * try/catch and answer an empty list, as if no user matched.
 */
export const LISTABLE_FIELDS = {
  id: "text",
  name: "text",
  email: "text",
  image: "text",
  role: "text",
  banReason: "text",
  emailVerified: "boolean",
  banned: "boolean",
  twoFactorEnabled: "boolean",
  createdAt: "date",
  updatedAt: "date",
  banExpires: "date",
} as const satisfies Record<string, "text" | "boolean" | "date">;

/** The fields better-auth's list-users searches (`searchValue`), a LIKE on text. */
const SEARCHABLE_FIELDS = new Set(["email", "name"]);

/** Operators that make sense per kind of field; a LIKE on a date or a boolean fails in PostgreSQL. */
const OPERATORS: Record<"text" | "boolean" | "date", ReadonlySet<string>> = {
  text: new Set(["eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "contains", "starts_with", "ends_with"]),
  boolean: new Set(["eq", "ne"]),
  date: new Set(["eq", "ne", "lt", "lte", "gt", "gte"]),
};

const NON_NEGATIVE_INTEGER = /^\d{1,9}$/;

const invalid = (message: string) => new APIError("BAD_REQUEST", { code: ErrorCode.VALIDATION_ERROR, message });

const isListable = (field: unknown): field is keyof typeof LISTABLE_FIELDS =>
  typeof field === "string" && Object.hasOwn(LISTABLE_FIELDS, field);

/**
 * Checks an admin list-users query and returns it with `filterValue` in the type of its field
 * (a query string says "true", the column holds a boolean; a date becomes ISO 8601) and a `limit`
 * (better-auth's list-users answers every user without one; this answers at most PAGE_LIMIT_MAX).
 * Throws 400 VALIDATION_ERROR naming the first parameter better-auth could not apply, or a `limit`
 * or `offset` past the contract's pagination caps.
 */
export function checkedListQuery(query: Record<string, unknown>): Record<string, unknown> {
  const checked = checkedFilters(query);
  return checked.limit === undefined ? { ...checked, limit: PAGE_LIMIT_MAX } : checked;
}

function checkedFilters(query: Record<string, unknown>): Record<string, unknown> {
  const fields = Object.keys(LISTABLE_FIELDS).join(", ");
  if (query.sortBy !== undefined && !isListable(query.sortBy)) throw invalid(`sortBy: must be one of ${fields}`);
  if (query.searchField !== undefined && !SEARCHABLE_FIELDS.has(String(query.searchField)))
    throw invalid("searchField: must be email or name");
  for (const key of ["limit", "offset"] as const) {
    const value = query[key];
    if (value !== undefined && !NON_NEGATIVE_INTEGER.test(String(value)))
      throw invalid(`${key}: must be a whole number, 0 or more`);
  }
  // better-auth reads limit=0 as "no limit": a page of nothing is asked for as no page at all.
  if (query.limit !== undefined && Number(query.limit) === 0) throw invalid("limit: must be 1 or more");
  // contract/gatehouse.json `pagination`, as the backend's lists: refused above the cap, not clamped
  // (a client paging until a short page would stop early on a clamped one).
  if (query.limit !== undefined && Number(query.limit) > PAGE_LIMIT_MAX)
    throw invalid(`limit: must be ${PAGE_LIMIT_MAX} or less`);
  if (query.offset !== undefined && Number(query.offset) > PAGE_OFFSET_MAX)
    throw invalid(`offset: must be ${PAGE_OFFSET_MAX} or less`);
  // Search text is held to the same characters as the fields it searches: a NUL cut the pattern short on
  // SQLite and matched every user.
  for (const key of ["searchValue", "filterValue"] as const) {
    const values = Array.isArray(query[key]) ? (query[key] as unknown[]) : [query[key]];
    for (const value of values) {
      const cp = typeof value === "string" ? forbiddenCodePoint(value, CHARACTER_SETS.controls) : null;
      if (cp !== null)
        throw invalid(`${key}: must not contain control or bidirectional characters (${codePointName(cp)})`);
    }
  }
  if (query.filterValue === undefined) {
    if (query.filterField !== undefined || query.filterOperator !== undefined)
      throw invalid("filterValue: needed with filterField or filterOperator");
    return query;
  }
  const field = query.filterField ?? "email";
  if (!isListable(field)) throw invalid(`filterField: must be one of ${fields}`);
  const kind = LISTABLE_FIELDS[field];
  const operator = String(query.filterOperator ?? "eq");
  if (!OPERATORS[kind].has(operator)) throw invalid(`filterOperator: ${operator} does not apply to ${field}`);
  const value = query.filterValue;
  const list = operator === "in" || operator === "not_in";
  if (list !== Array.isArray(value))
    throw invalid(list ? `filterValue: ${operator} needs a list` : "filterValue: must be a single value");
  if (kind === "boolean") {
    const flag = value === true || value === "true" ? true : value === false || value === "false" ? false : null;
    if (flag === null) throw invalid(`filterValue: ${field} is true or false`);
    return { ...query, filterValue: flag };
  }
  if (kind === "date") {
    const when = typeof value === "string" || typeof value === "number" ? new Date(value) : null;
    if (!when || Number.isNaN(when.getTime())) throw invalid(`filterValue: ${field} needs a date`);
    return { ...query, filterValue: when.toISOString() };
  }
  return query;
}
