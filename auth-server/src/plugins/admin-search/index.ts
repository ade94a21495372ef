import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { escapeLike } from "../../db/like-escape.js";

/** The admin plugin's operators that become a LIKE pattern (better-auth kysely adapter). */
const PATTERN_OPERATORS = new Set(["contains", "starts_with", "ends_with"]);

/**
 * The admin's user search matches the text typed, `%` and `_` included (issue 12 #15). better-auth's
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
            const query = { ...(ctx.query as Record<string, unknown> | undefined) };
            let changed = false;
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
    },
  } satisfies BetterAuthPlugin;
}
