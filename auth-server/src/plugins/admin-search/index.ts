import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { escapeLike } from "../../db/like-escape.js";
import { checkedListQuery } from "./query.js";

export { checkedListQuery, LISTABLE_FIELDS } from "./query.js";

/** The admin plugin's operators that become a LIKE pattern (better-auth kysely adapter). */
const PATTERN_OPERATORS = new Set(["contains", "starts_with", "ends_with"]);

/**
 * The admin's user list: only public user fields, parameters it can apply (query.ts), otherwise
 * 400 VALIDATION_ERROR instead of an empty list. The search matches the text typed, `%` and `_`
 * included (issue 12 #15). better-auth's
 * list-users passes `searchValue` (operator `contains` unless told otherwise) and a string
 * `filterValue` with a pattern operator into a LIKE pattern as they are; they are escaped here,
 * and db/like-escape.ts gives every LIKE the `\` escape on both databases.
 */
export function adminSearch() {
  return {
    id: "gatehouse-admin-search",
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/admin/list-users",
          handler: createAuthMiddleware(async (ctx) => {
            const given = { ...(ctx.query as Record<string, unknown> | undefined) };
            const query = checkedListQuery(given);
            let changed = query.filterValue !== given.filterValue || query.limit !== given.limit;
            if (
              typeof query.searchValue === "string" &&
              PATTERN_OPERATORS.has(String(query.searchOperator ?? "contains"))
            ) {
              query.searchValue = escapeLike(query.searchValue);
              changed = true;
            }
            if (typeof query.filterValue === "string" && PATTERN_OPERATORS.has(String(query.filterOperator ?? ""))) {
              query.filterValue = escapeLike(query.filterValue);
              changed = true;
            }
            return changed ? { context: { query } } : undefined;
          }),
        },
      ],
      after: [
        {
          // Backstop: list-users answers any failure of its query with an empty list, as if no
          // user matched (its own try/catch). The answer it builds then lacks `limit`; refuse it
          // instead. A database outage is answered 503 whatever this says (db/unavailable.ts).
          matcher: (ctx) => ctx.path === "/admin/list-users",
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (returned === null || typeof returned !== "object" || returned instanceof Response) return;
            if ("users" in returned && !("limit" in returned))
              throw new APIError("BAD_REQUEST", {
                code: ErrorCode.VALIDATION_ERROR,
                message: "The user list cannot be read with these parameters.",
              });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
