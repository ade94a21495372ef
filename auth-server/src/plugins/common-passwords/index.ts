import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";
import { isCommonPassword } from "../../security/common-passwords.js";
import { bodyOf } from "../hook-context.js";

/** Where each endpoint that sets a password keeps the new one in its body. */
export const NEW_PASSWORD_FIELD: Readonly<Record<string, string>> = {
  "/sign-up/email": "password",
  "/reset-password": "newPassword",
  "/change-password": "newPassword",
  "/set-password": "newPassword",
  "/admin/create-user": "password",
  "/admin/set-user-password": "newPassword",
};

const MESSAGE = "This password is one of the most common ones and easy to guess. Choose another.";

/**
 * Refuses a new password that is among the 10,000 most common (NIST SP 800-63B §5.1.1.2: check
 * against "passwords obtained from previous breach corpuses"), on every endpoint that sets one,
 * with 400 PASSWORD_TOO_COMMON. Only lengths better-auth would accept are screened, so a too-short
 * or too-long password keeps better-auth's own answer.
 */
export function commonPasswords({ minLength, maxLength }: { minLength: number; maxLength: number }) {
  if (!(minLength > 0 && maxLength >= minLength)) throw new Error("commonPasswords: need 0 < minLength <= maxLength");
  return {
    id: "gatehouse-common-passwords",
    $ERROR_CODES: { PASSWORD_TOO_COMMON: { code: ErrorCode.PASSWORD_TOO_COMMON, message: MESSAGE } },
    hooks: {
      before: [
        {
          matcher: (ctx) => Object.hasOwn(NEW_PASSWORD_FIELD, ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            const candidate = bodyOf(ctx)[NEW_PASSWORD_FIELD[ctx.path] as string];
            if (typeof candidate !== "string" || candidate.length < minLength || candidate.length > maxLength) return;
            if (isCommonPassword(candidate))
              throw new APIError("BAD_REQUEST", { code: ErrorCode.PASSWORD_TOO_COMMON, message: MESSAGE });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
