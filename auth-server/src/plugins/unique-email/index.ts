import type { AuthContext, BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";

type InternalAdapter = AuthContext["internalAdapter"];

/**
 * True for the database's unique-constraint error on the users' email: SQLite (better-sqlite3,
 * `SQLITE_CONSTRAINT_UNIQUE`, "UNIQUE constraint failed: users.email") and PostgreSQL (SQLSTATE
 * 23505, unique_violation, with the constraint or detail naming the email column).
 */
export function isDuplicateEmail(err: unknown): boolean {
  if (!err || typeof err !== "object") return false;
  const e = err as { code?: unknown; message?: unknown; constraint?: unknown; detail?: unknown };
  if (e.code !== "SQLITE_CONSTRAINT_UNIQUE" && e.code !== "23505") return false;
  return [e.message, e.constraint, e.detail].some((s) => typeof s === "string" && /email/i.test(s));
}

/**
 * What a creation that lost the race for its email answers. better-auth's sign-up turns a 403 from
 * `createUser` into its generic duplicate answer (the same 200 `{token: null, user}` as any sign-up
 * when email verification is required; better-auth api/routes/sign-up), so a racing sign-up
 * answers exactly as the sequential sign-up of an existing address does. Every other creator gets
 * the admin plugin's answer for an existing address (400 USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL).
 */
function lostRace(path: string | undefined): APIError {
  if (path === "/sign-up/email") return new APIError("FORBIDDEN", { message: "User already exists." });
  return new APIError("BAD_REQUEST", {
    code: "USER_ALREADY_EXISTS_USE_ANOTHER_EMAIL",
    message: "User already exists. Use another email.",
  });
}

/**
 * One account per email under concurrency, with the answer of the sequential case. better-auth
 * checks for an existing address and then inserts; two requests for one new address both pass the
 * check, the database's unique index lets one insert through, and the other used to surface as 422
 * FAILED_TO_CREATE_USER (issue 12 #4) — a normal race answered with an error that also told the
 * caller the address had just been taken. Every endpoint's `createUser` (sign-up, the admin's
 * create-user, OAuth sign-up) turns that unique violation into the duplicate answer above.
 */
export function uniqueEmail() {
  // A fresh wrapper per request: it only adds a catch around the adapter the endpoint was given.
  const wrap = (adapter: InternalAdapter, path: string | undefined): Pick<InternalAdapter, "createUser"> => ({
    async createUser(...args: Parameters<InternalAdapter["createUser"]>) {
      try {
        return await adapter.createUser(...args);
      } catch (err) {
        if (isDuplicateEmail(err)) throw lostRace(path);
        throw err;
      }
    },
  });
  const CREATORS = /^\/(?:sign-up\/email|admin\/create-user|callback\/|oauth2\/callback\/)/;

  return {
    id: "gatehouse-unique-email",
    hooks: {
      before: [
        {
          matcher: (ctx) => CREATORS.test(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => ({
            context: { context: { internalAdapter: wrap(ctx.context.internalAdapter, ctx.path) } },
          })),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
