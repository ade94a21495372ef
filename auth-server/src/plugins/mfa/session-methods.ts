import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { bodyOf, errorOf } from "../hook-context.js";
import { Amr, type AmrValue, combineAmr, formatAmr, parseAmr, userVerifiedFlag } from "./amr.js";

/** Endpoints whose success proves a second factor (better-auth two-factor plugin). */
export const SECOND_FACTOR_PATHS = new Set(["/two-factor/verify-totp", "/two-factor/verify-backup-code"]);
const PASSKEY_SIGN_IN = "/passkey/verify-authentication";

/** The session fields this plugin adds (`user_sessions.amr`, `user_sessions.auth_time`). */
export interface SessionMethods {
  /** RFC 8176 values, space-separated (amr.ts); "" when no method is known (e.g. OAuth, email link). */
  amr?: string | null;
  /** When the user last proved a factor in this session. */
  authTime?: Date | string | null;
}

type Ctx = { path?: string; body?: unknown; context?: { adapter: any } } | null | undefined;

/** A passkey sign-in: `hwk` for a device-bound credential, `swk` for a synced one; UV adds `mfa`. */
async function passkeyMethods(ctx: Ctx): Promise<AmrValue[]> {
  const response = bodyOf({ body: bodyOf(ctx ?? {}).response });
  const id = typeof response.id === "string" ? response.id : null;
  const row = id
    ? ((await ctx?.context?.adapter.findOne({ model: "passkey", where: [{ field: "credentialID", value: id }] })) as {
        deviceType?: string;
      } | null)
    : null;
  const uv = userVerifiedFlag(bodyOf({ body: response.response }).authenticatorData);
  return combineAmr([], [row?.deviceType === "singleDevice" ? Amr.HWK : Amr.SWK], uv);
}

/**
 * Records on every session how and when it was authenticated, for the JWT's `amr` / `auth_time`
 * (RFC 8176, OpenID Connect Core §2) and the backend's `require_mfa()` / `require_recent_auth()`.
 * - A new session gets the methods of the endpoint that created it (password sign-in: `pwd`;
 *   second-factor verification: `pwd otp mfa`; passkey: `hwk`/`swk`, plus `mfa` when the
 *   authenticator verified the user). A session better-auth re-creates from an old one (2FA
 *   enable/disable, password change) keeps the old one's record.
 * - A signed-in user who verifies a code (step-up) has `otp` (and `mfa`) added and `auth_time` reset.
 * No default values on purpose: better-auth's defaults would overwrite a copied record.
 */
export function sessionMethods() {
  return {
    id: "gatehouse-session-methods",
    schema: {
      session: {
        fields: {
          amr: { type: "string", required: false, input: false, fieldName: "amr" },
          authTime: { type: "date", required: false, input: false, fieldName: "auth_time" },
        },
      },
    },
    init() {
      return {
        options: {
          databaseHooks: {
            session: {
              create: {
                before: async (session: SessionMethods & Record<string, unknown>, ctx: Ctx) => {
                  const path = ctx?.path ?? "";
                  const copied = typeof session.amr === "string";
                  let amr: AmrValue[];
                  if (path === "/sign-in/email") amr = [Amr.PWD];
                  else if (SECOND_FACTOR_PATHS.has(path))
                    amr = combineAmr(copied ? parseAmr(session.amr) : [Amr.PWD], [Amr.OTP]);
                  else if (path === PASSKEY_SIGN_IN) amr = await passkeyMethods(ctx);
                  else if (copied) return;
                  else amr = [];
                  return { data: { ...session, amr: formatAmr(amr), authTime: new Date() } };
                },
              },
            },
          },
        },
      };
    },
    hooks: {
      after: [
        {
          // Step-up: a code verified with a live session upgrades that session in place.
          matcher: (ctx: { path?: string }) => SECOND_FACTOR_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if (errorOf(ctx.context.returned)) return;
            const token = bodyOf({ body: ctx.context.returned }).token;
            if (typeof token !== "string" || ctx.context.newSession?.session.token === token) return;
            const found = await ctx.context.internalAdapter.findSession(token);
            if (!found) return;
            const held = parseAmr((found.session as SessionMethods).amr);
            await ctx.context.internalAdapter.updateSession(token, {
              amr: formatAmr(combineAmr(held, [Amr.OTP])),
              authTime: new Date(),
            } as Record<string, unknown>);
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
