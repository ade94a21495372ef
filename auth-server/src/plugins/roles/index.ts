import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode, ROLE_SEPARATOR } from "../../contract.gen.js";
import { bodyOf, type HookContext } from "../hook-context.js";
import { parseRoleInput } from "./parse.js";

export { adminRoleOptions, configuredRoles } from "./access.js";
export { canonicalRole, isAdminRole, parseRoleInput, rolesOf } from "./parse.js";

const INVALID_ROLE_MESSAGE = "The role is not one of the configured roles.";

export const invalidRole = (): APIError =>
  new APIError("BAD_REQUEST", { code: ErrorCode.INVALID_ROLE, message: INVALID_ROLE_MESSAGE });

/** Where each admin endpoint carries a role: the body field, or the `data` object's `role`. */
const ROLE_IN_BODY: Record<string, (body: Record<string, unknown>) => { value: unknown; at: "body" | "data" } | null> =
  {
    "/admin/set-role": (b) => ({ value: b.role, at: "body" }),
    "/admin/create-user": (b) =>
      "role" in b
        ? { value: b.role, at: "body" }
        : b.data && typeof b.data === "object" && "role" in b.data
          ? { value: (b.data as Record<string, unknown>).role, at: "data" }
          : null,
    "/admin/update-user": (b) =>
      b.data && typeof b.data === "object" && "role" in b.data
        ? { value: (b.data as Record<string, unknown>).role, at: "data" }
        : null,
  };

/** Endpoints where an admin changes someone's role (not their own). */
const ROLE_CHANGING_PATHS = new Set(["/admin/set-role", "/admin/update-user"]);

/**
 * Roles from configuration, as a better-auth plugin. The admin plugin gets its `roles`,
 * `adminRoles` and `defaultRole` from the contract (access.ts); this plugin makes every way a
 * role is written agree with the one parser (parse.ts):
 *
 * - the admin endpoints (set-role, create-user, update-user) answer 400 INVALID_ROLE for a role
 *   that is not exactly configured names (`"user, admin"`, `"root"`), and pass the valid ones on
 *   as a list, the form better-auth's own check takes;
 * - the database hooks refuse such a role from any other writer too, and an admin cannot change
 *   their own role (400 CANNOT_CHANGE_OWN_ROLE, as on the backend).
 *
 * ADMIN_EMAILS are not granted here but by plugins/admin-emails, to a proven owner only.
 */
export function roles() {
  const checkedRole = (value: unknown): string => {
    const role = parseRoleInput(value);
    if (role === null) throw invalidRole();
    return role;
  };

  return {
    id: "gatehouse-roles",
    $ERROR_CODES: {
      INVALID_ROLE: { code: ErrorCode.INVALID_ROLE, message: INVALID_ROLE_MESSAGE },
      CANNOT_CHANGE_OWN_ROLE: { code: ErrorCode.CANNOT_CHANGE_OWN_ROLE, message: "You cannot change your own role." },
    },
    hooks: {
      before: [
        {
          matcher: (ctx) => Object.hasOwn(ROLE_IN_BODY, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const body = bodyOf(ctx);
            const found = ROLE_IN_BODY[ctx.path]?.(body);
            if (!found) return;
            const names = checkedRole(found.value).split(ROLE_SEPARATOR);
            if (found.at === "body") return { context: { body: { ...body, role: names } } };
            return { context: { body: { ...body, data: { ...(body.data as object), role: names } } } };
          }),
        },
      ],
    },
    init() {
      return {
        options: {
          databaseHooks: {
            user: {
              create: {
                before: async (user) => {
                  if ("role" in user && user.role != null) return { data: { ...user, role: checkedRole(user.role) } };
                  return undefined;
                },
              },
              update: {
                before: async (data, ctx: HookContext | null) => {
                  if (!("role" in data)) return undefined;
                  const actor = ctx?.context?.session?.user.id;
                  if (actor && ROLE_CHANGING_PATHS.has(ctx?.path ?? "") && bodyOf(ctx ?? {}).userId === actor) {
                    throw new APIError("BAD_REQUEST", {
                      code: ErrorCode.CANNOT_CHANGE_OWN_ROLE,
                      message: "You cannot change your own role.",
                    });
                  }
                  return { data: { ...data, role: checkedRole(data.role) } };
                },
              },
            },
          },
        },
      };
    },
  } satisfies BetterAuthPlugin;
}
