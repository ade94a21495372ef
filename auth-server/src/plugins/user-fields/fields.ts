import * as z from "zod";
import { type CodePointRange, FIELD_LIMITS, type NumberRange, type TextLimit } from "../../contract.gen.js";

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

const SURROUNDING_WHITE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

/**
 * `text` without surrounding whitespace as the contract defines it (Unicode White_Space), which is
 * what the backend's pydantic trims too; `String.prototype.trim` differs in U+FEFF and U+0085.
 */
export function trimWhiteSpace(text: string): string {
  return text.replace(SURROUNDING_WHITE_SPACE, "");
}

/** Length in Unicode code points, as the contract counts it (Python's `len`), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The first code point of `text` in one of `ranges` (contract characterSets: controls, NUL,
 * bidirectional formatting), or null. Such characters make a name read differently from what it
 * is, hide text, or break the logs and CSV lines it is written to.
 */
export function forbiddenCodePoint(text: string, ranges: readonly CodePointRange[]): number | null {
  if (ranges.length === 0) return null;
  for (const char of text) {
    const cp = char.codePointAt(0) as number;
    if (ranges.some(([first, last]) => cp >= first && cp <= last)) return cp;
  }
  return null;
}

/** "U+202E", as Unicode writes a code point. */
export const codePointName = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;

const forbiddenProblem = (cp: number): string =>
  `must not contain control, invisible or bidirectional formatting characters (found ${codePointName(cp)})`;

/** Why `value` breaks `limit`, or null when it fits (value already trimmed where the limit says so). */
export function textProblem(limit: TextLimit, value: string): string | null {
  if (!isWellFormed(value)) return "must be well-formed Unicode text (no lone surrogates)";
  const forbidden = forbiddenCodePoint(value, limit.forbidden);
  if (forbidden !== null) return forbiddenProblem(forbidden);
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
  const text = limit.trim ? trimWhiteSpace(value) : value;
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
