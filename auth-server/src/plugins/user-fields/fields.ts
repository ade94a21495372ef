import * as z from "zod";
import { FIELD_LIMITS, type NumberRange, type TextLimit } from "../../contract.gen.js";

/**
 * The contract's field limits (contract/gatehouse.json `fieldLimits`) as checks, shared by the
 * user-fields plugin (better-auth's own endpoints) and the internal admin API, so every way into
 * the users table applies one rule — the backend applies the same file's limits in app/schemas.
 */

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * True when `text` is well-formed UTF-16 (no lone surrogate), i.e. encodable as UTF-8. A JSON
 * body may spell a lone surrogate as `"\ud800"`; stored, SQLite keeps bytes that are not UTF-8 and
 * PostgreSQL's driver silently writes U+FFFD instead (ECMAScript String.prototype.isWellFormed).
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/** Length in Unicode code points, as the contract counts it (Python's `len`), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Why `value` breaks `limit`, or null when it fits (value already trimmed where the limit says so). */
export function textProblem(limit: TextLimit, value: string): string | null {
  if (!isWellFormed(value)) return "must be well-formed Unicode text (no lone surrogates)";
  const length = codePointLength(value);
  if (length < limit.minLength)
    return limit.minLength === 1 ? "must not be empty" : `must be at least ${limit.minLength} characters`;
  if (length > limit.maxLength) return `must be at most ${limit.maxLength} characters`;
  if (limit.prefixes.length > 0 && !limit.prefixes.some((p) => value.startsWith(p)))
    return `must start with ${limit.prefixes.join(", ")}`;
  return null;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * Checks one submitted value against a text limit: a string (never coerced from another type),
 * trimmed when the limit says so, then `textProblem`. `null` passes only when `nullable`.
 */
export function checkText(limit: TextLimit, value: unknown, nullable = false): Checked<string | null> {
  if (value === null && nullable) return { ok: true, value: null };
  if (typeof value !== "string")
    return { ok: false, problem: nullable ? "must be a string or null" : "must be a string" };
  const text = limit.trim ? value.trim() : value;
  const problem = textProblem(limit, text);
  return problem ? { ok: false, problem } : { ok: true, value: text };
}

/** Checks a submitted number against an inclusive integer range (never coerced from a string). */
export function checkRange(range: NumberRange, value: unknown, nullable = false): Checked<number | null> {
  if (value === null && nullable) return { ok: true, value: null };
  if (typeof value !== "number" || !Number.isInteger(value))
    return { ok: false, problem: nullable ? "must be an integer or null" : "must be an integer" };
  if (value < range.min || value > range.max) return { ok: false, problem: `must be ${range.min} to ${range.max}` };
  return { ok: true, value };
}

/** A zod schema for a text limit (for endpoints that validate with zod): trims as the limit says. */
export function zodText(limit: TextLimit) {
  return z.unknown().transform((value, ctx) => {
    const checked = checkText(limit, value);
    if (checked.ok) return checked.value as string;
    ctx.addIssue({ code: "custom", message: checked.problem });
    return z.NEVER;
  });
}

/** A zod schema for an inclusive integer range. */
export function zodRange(range: NumberRange) {
  return z.unknown().transform((value, ctx) => {
    const checked = checkRange(range, value);
    if (checked.ok) return checked.value as number;
    ctx.addIssue({ code: "custom", message: checked.problem });
    return z.NEVER;
  });
}

/**
 * The path of the first string anywhere in `value` (object keys included) holding a lone
 * surrogate, or null. Iterative, so a deeply nested body cannot exhaust the stack.
 */
export function findIllFormedText(value: unknown): string | null {
  const pending: Array<[unknown, string]> = [[value, ""]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [item, path] = next;
    if (typeof item === "string") {
      if (!isWellFormed(item)) return path || "(body)";
    } else if (item !== null && typeof item === "object") {
      for (const [key, child] of Object.entries(item)) {
        const at = path ? `${path}.${key}` : key;
        if (!isWellFormed(key)) return at;
        pending.push([child, at]);
      }
    }
  }
  return null;
}

export { FIELD_LIMITS };
