import { createHmac, timingSafeEqual } from "node:crypto";
import { tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
import type { BetterAuthPlugin, User } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import { parseCookies } from "better-auth/cookies";
import { generateRandomString } from "better-auth/crypto";
import { ADMIN_ROLES, ROLE_SEPARATOR } from "../../contract.gen.js";
import type { Mailer } from "../../email/types.js";
import { errorOf } from "../hook-context.js";
import { requestSession } from "../request-session.js";
import { activateAdminMail } from "./mail.js";

export interface AdminEmailsOptions {
  /** ADMIN_EMAILS, lower-cased. */
  adminEmails: readonly string[];
  mailer: Mailer;
  /** The web app (FRONTEND_URL): where the activation link lands (its /reset-password page). */
  frontendUrl: string;
  /** How long the activation (set-password) link works, in seconds. */
  activationTtlSeconds: number;
}

/** How long a browser that signed an account up can claim it at verification time, in seconds. */
const BINDING_TTL_S = 24 * 3600;
const BINDING_COOKIE = "signup_binding";
const ADMIN_ROLE = ADMIN_ROLES[0] as string;

type UserWithRole = User & { role?: string | null };
type EndpointContext = NonNullable<ReturnType<typeof tryGetCurrentAuthEndpointContext>>;

const holdsAdmin = (role: string | null | undefined): boolean =>
  (role ?? "").split(ROLE_SEPARATOR).some((r) => (ADMIN_ROLES as readonly string[]).includes(r));

/**
 * The value of a cookie better-call signed (`value.base64(HMAC-SHA256(secret, value))`, URL-encoded,
 * as `ctx.setSignedCookie` writes it), or null when the signature is not exactly right.
 */
function signedValue(raw: string, secret: string): string | null {
  let cookie: string;
  try {
    cookie = decodeURIComponent(raw);
  } catch {
    return null;
  }
  const dot = cookie.lastIndexOf(".");
  if (dot < 1) return null;
  const value = cookie.slice(0, dot);
  const given = Buffer.from(cookie.slice(dot + 1), "base64");
  const expected = createHmac("sha256", secret).update(value).digest();
  // Constant-time: a byte-by-byte compare would leak how much of a forged signature is right.
  return given.length === expected.length && timingSafeEqual(given, expected) ? value : null;
}

/**
 * ADMIN_EMAILS as a better-auth plugin: an address on the list gets the admin role only once its
 * owner is proven, at verification time, and never as a side effect anyone else can trigger.
 *
 * Proof is the mailbox *and* the credential together, because an unverified account's password
 * may belong to whoever signed up first with someone else's address (pre-registration):
 * - the verification link opened in the browser that signed the account up (a signed binding
 *   cookie every sign-up answer sets, for new and existing addresses alike, so the answer stays
 *   the same for every address), or in a browser signed in to the account (email change);
 * - a password reset (or invitation) link used: the mailbox owner sets the credential there, and
 *   every older session and link dies with it;
 * - an account created already verified (an OpenID provider's verified email, an admin's
 *   create-user with emailVerified).
 * A verification without that proof verifies the address but grants nothing: the address gets a
 * set-password link instead, whose use grants the role (and ends a squatter's access).
 * Sign-up itself never grants, so no sign-up answer differs for these addresses.
 */
export function adminEmails(options: AdminEmailsOptions) {
  const addresses = new Set(options.adminEmails.map((e) => e.toLowerCase()));
  const isAdminAddress = (email: string): boolean => addresses.has(email.toLowerCase());
  const frontend = options.frontendUrl.replace(/\/$/, "");

  async function grant(ctx: EndpointContext, user: UserWithRole): Promise<void> {
    if (holdsAdmin(user.role)) return;
    await ctx.context.internalAdapter.updateUser(user.id, { role: ADMIN_ROLE });
  }

  /** True when this request shows the browser that signed `user` up, or a session of theirs. */
  async function claimsAccount(ctx: EndpointContext, user: User): Promise<boolean> {
    const headers = ctx.request?.headers ?? ctx.headers;
    const name = ctx.context.createAuthCookie(BINDING_COOKIE).name;
    const cookie = parseCookies(headers?.get("cookie") ?? "").get(name);
    if (cookie && signedValue(cookie, ctx.context.secret) === user.id) return true;
    const session = await requestSession(ctx as never);
    return session?.user.id === user.id;
  }

  async function sendActivationLink(ctx: EndpointContext, user: User): Promise<void> {
    // The same shape as better-auth's own reset tokens (24 characters from 62, ~143 bits).
    const token = generateRandomString(24, "a-z", "A-Z", "0-9");
    await ctx.context.internalAdapter.createVerificationValue({
      identifier: `reset-password:${token}`,
      value: user.id,
      expiresAt: new Date(Date.now() + options.activationTtlSeconds * 1000),
    });
    await options.mailer.send(activateAdminMail(user.email, user.name, `${frontend}/reset-password?token=${token}`));
  }

  return {
    id: "gatehouse-admin-emails",
    hooks: {
      after: [
        {
          matcher: (ctx) => ctx.path === "/sign-up/email",
          handler: createAuthMiddleware(async (ctx) => {
            if (errorOf(ctx.context.returned)) return;
            const id = (ctx.context.returned as { user?: { id?: unknown } } | undefined)?.user?.id;
            if (typeof id !== "string") return;
            // Every successful answer carries one (an existing address's too, with its made-up id).
            const binding = ctx.context.createAuthCookie(BINDING_COOKIE, { maxAge: BINDING_TTL_S });
            await ctx.setSignedCookie(binding.name, id, ctx.context.secret, binding.attributes);
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
                // An account created already verified (OpenID provider, an admin's create-user) is
                // its owner's; an unverified one (sign-up) never is, whatever its address.
                before: async (user: User) =>
                  user.emailVerified === true && isAdminAddress(user.email)
                    ? { data: { ...user, role: ADMIN_ROLE } }
                    : undefined,
              },
            },
          },
        },
      };
    },
    /** For `emailVerification.afterEmailVerification`: grant to a proven owner, else mail a link. */
    async emailVerified(user: UserWithRole): Promise<void> {
      const ctx = tryGetCurrentAuthEndpointContext();
      if (!ctx || !user.emailVerified || !isAdminAddress(user.email) || holdsAdmin(user.role)) return;
      if (await claimsAccount(ctx, user)) await grant(ctx, user);
      else await sendActivationLink(ctx, user);
    },
    /** For `emailAndPassword.onPasswordReset`: the mailbox owner has just set the credential. */
    async passwordReset(user: UserWithRole): Promise<void> {
      const ctx = tryGetCurrentAuthEndpointContext();
      if (ctx && isAdminAddress(user.email)) await grant(ctx, user);
    },
  } satisfies BetterAuthPlugin & Record<string, unknown>;
}
