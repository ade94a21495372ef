import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode, type NumberRange, type TextLimit } from "../../contract.gen.js";
import { bodyOf } from "../hook-context.js";
import { INTERNAL_PREFIX } from "../internal-admin/routes.js";
import { type Checked, checkRange, checkText, FIELD_LIMITS, findIllFormedText } from "./fields.js";
import { notUtf8 } from "./wire.js";

export { checkText, codePointLength, FIELD_LIMITS, isWellFormed, textProblem, zodRange, zodText } from "./fields.js";

/** One field of a body: where it sits, its limit, and whether `null` is a value (it clears `image`). */
interface FieldRule {
  at: readonly string[];
  limit: TextLimit | NumberRange;
  nullable?: boolean;
}

const L = FIELD_LIMITS;
const profile = (prefix: readonly string[]): FieldRule[] => [
  { at: [...prefix, "name"], limit: L.userName },
  { at: [...prefix, "email"], limit: L.userEmail },
  { at: [...prefix, "image"], limit: L.userImage, nullable: true },
];

/**
 * Every better-auth endpoint whose body carries user fields, and where they sit. The internal
 * admin API is not here: it checks the same limits with zod after its service token passed.
 */
export const USER_FIELD_RULES: Readonly<Record<string, readonly FieldRule[]>> = {
  "/sign-up/email": profile([]),
  "/update-user": profile([]),
  "/change-email": [{ at: ["newEmail"], limit: L.userEmail }],
  "/admin/create-user": [
    ...profile([]),
    ...profile(["data"]),
    { at: ["data", "banReason"], limit: L.banReason, nullable: true },
  ],
  "/admin/update-user": [...profile(["data"]), { at: ["data", "banReason"], limit: L.banReason, nullable: true }],
  "/admin/ban-user": [
    { at: ["banReason"], limit: L.banReason },
    { at: ["banExpiresIn"], limit: L.banExpiresInSeconds },
  ],
};

const invalid = (message: string) => new APIError("BAD_REQUEST", { code: ErrorCode.VALIDATION_ERROR, message });

const check = (rule: FieldRule, value: unknown): Checked<unknown> =>
  "min" in rule.limit ? checkRange(rule.limit, value, rule.nullable) : checkText(rule.limit, value, rule.nullable);

/**
 * Checks each rule field present in `body` and returns a patch holding only those fields, with
 * their checked values (trimmed where the contract says so), or null when none is present. Only
 * the patch goes back to better-auth, which merges it into the body: a whole copy would undo what
 * other plugins' hooks changed in the same request (better-auth hands every hook the original).
 * Throws 400 VALIDATION_ERROR naming the first field that does not fit.
 */
export function checkedFields(
  body: Record<string, unknown>,
  rules: readonly FieldRule[],
): Record<string, unknown> | null {
  let patch: Record<string, unknown> | null = null;
  for (const rule of rules) {
    let parent: unknown = body;
    for (const step of rule.at.slice(0, -1))
      parent = parent !== null && typeof parent === "object" ? (parent as Record<string, unknown>)[step] : undefined;
    if (parent === null || typeof parent !== "object" || Array.isArray(parent)) continue;
    const key = rule.at[rule.at.length - 1] as string;
    const value = (parent as Record<string, unknown>)[key];
    if (!Object.hasOwn(parent, key) || value === undefined) continue;
    const checked = check(rule, value);
    if (!checked.ok) throw invalid(`${rule.at.join(".")}: ${checked.problem}`);
    patch ??= {};
    let into = patch;
    for (const step of rule.at.slice(0, -1)) {
      into[step] ??= {};
      into = into[step] as Record<string, unknown>;
    }
    into[key] = checked.value;
  }
  return patch;
}

/**
 * The user fields an admin may set through better-auth's admin create-user / update-user `data`
 * (the admin plugin writes any key it is given): the profile, verification and the ban. Anything
 * else — `twoFactorEnabled` (only /admin/reset-second-factor turns second factors off, audited
 * and mailed), timestamps, ids — is 400 VALIDATION_ERROR, as are an `emailVerified` that is not a
 * boolean and a `banExpires` that is not null or a date.
 */
const ADMIN_DATA_FIELDS = new Set([
  "name",
  "email",
  "image",
  "emailVerified",
  "role",
  "banned",
  "banReason",
  "banExpires",
]);

/** Throws 400 VALIDATION_ERROR for the first `data` key an admin may not set, or a value of the wrong kind. */
export function checkAdminData(data: unknown): void {
  if (data === undefined) return;
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw invalid("data: must be an object");
  for (const [key, value] of Object.entries(data)) {
    if (!ADMIN_DATA_FIELDS.has(key)) {
      const hint = key === "twoFactorEnabled" ? " (second factors are reset with /admin/reset-second-factor)" : "";
      throw invalid(`data.${key}: not a field an admin sets here${hint}`);
    }
    if (key === "emailVerified" && typeof value !== "boolean") throw invalid("data.emailVerified: must be a boolean");
    if (key === "banExpires" && value !== null) {
      const when = typeof value === "string" || typeof value === "number" ? new Date(value) : null;
      if (!when || Number.isNaN(when.getTime())) throw invalid("data.banExpires: must be null or a date");
    }
  }
}

const ADMIN_DATA_PATHS = new Set(["/admin/create-user", "/admin/update-user"]);

const isInternal = (path: string | undefined) => (path ?? "").startsWith(`${INTERNAL_PREFIX}/`);

/**
 * One set of field limits on every way into the users table through better-auth's own endpoints
 * (contract/gatehouse.json `fieldLimits`, the same limits the backend and the internal admin API
 * apply), as a better-auth plugin:
 *
 * - `onRequest`: a body that is not valid UTF-8 (raw bytes, or percent-escapes in a form body) is
 *   400 VALIDATION_ERROR instead of being decoded with U+FFFD in place of what was sent;
 * - before every endpoint: a lone surrogate (`"\ud800"`) in any string of the body, keys included,
 *   is 400 VALIDATION_ERROR — such text cannot be stored as UTF-8 (SQLite would keep invalid
 *   bytes, PostgreSQL's driver would replace it);
 * - before each endpoint in USER_FIELD_RULES: user fields must be strings (numbers, booleans and
 *   objects are refused, not coerced; `null` only clears `image`) within the contract's limits,
 *   trimmed where the contract says so before they are checked and stored.
 */
export function userFields() {
  return {
    id: "gatehouse-user-fields",
    async onRequest(request) {
      const problem = await notUtf8(request);
      if (!problem) return;
      const body = JSON.stringify({ code: ErrorCode.VALIDATION_ERROR, message: problem });
      return { response: new Response(body, { status: 400, headers: { "Content-Type": "application/json" } }) };
    },
    hooks: {
      before: [
        {
          matcher: (ctx) => !isInternal(ctx.path),
          handler: createAuthMiddleware(async (ctx) => {
            const at = findIllFormedText(ctx.body);
            if (at) throw invalid(`${at}: must be well-formed Unicode text (no lone surrogates)`);
          }),
        },
        {
          // `image: null` is "no image" on sign-up as on update-user and the backend (contract userImage
          // may be null); better-auth's sign-up schema takes a string or nothing, so null is taken out.
          // In place: a returned body is merged into the original, which cannot remove a key.
          matcher: (ctx) => ctx.path === "/sign-up/email",
          handler: createAuthMiddleware(async (ctx) => {
            const body = ctx.body as Record<string, unknown> | null | undefined;
            if (body !== null && typeof body === "object" && body.image === null) delete body.image;
          }),
        },
        {
          matcher: (ctx) => ADMIN_DATA_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.body !== null && typeof ctx.body === "object") checkAdminData(bodyOf(ctx).data);
          }),
        },
        {
          matcher: (ctx) => Object.hasOwn(USER_FIELD_RULES, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (ctx.body === null || typeof ctx.body !== "object" || Array.isArray(ctx.body)) return;
            const patch = checkedFields(bodyOf(ctx), USER_FIELD_RULES[ctx.path] ?? []);
            return patch ? { context: { body: patch } } : undefined;
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
