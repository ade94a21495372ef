import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";

/**
 * better-auth's codes for conditions the shared contract names otherwise, so a client sees the
 * same code from both services for the same condition. Status stays better-auth's (the same).
 */
export const FROM_BETTER_AUTH: Readonly<Record<string, ErrorCode>> = {
  // admin plugin: a role that is not configured, or not a string
  YOU_ARE_NOT_ALLOWED_TO_SET_NON_EXISTENT_VALUE: ErrorCode.INVALID_ROLE,
  INVALID_ROLE_TYPE: ErrorCode.INVALID_ROLE,
  // admin plugin: ban-user / update-user on oneself
  YOU_CANNOT_BAN_YOURSELF: ErrorCode.CANNOT_BAN_SELF,
};

/** Rewrites better-auth's codes listed in FROM_BETTER_AUTH to the contract's, on every endpoint. */
export function contractCodes() {
  return {
    id: "gatehouse-contract-codes",
    hooks: {
      after: [
        {
          matcher: () => true,
          handler: createAuthMiddleware(async (ctx) => {
            const returned = ctx.context.returned;
            if (!(returned instanceof APIError)) return;
            const body = returned.body as { code?: string; message?: string } | undefined;
            const code = body?.code ? FROM_BETTER_AUTH[body.code] : undefined;
            if (!code) return;
            throw new APIError(returned.status, { ...body, code }, returned.headers);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
