import { betterAuth } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { admin, bearer, jwt } from "better-auth/plugins";
import type { Database } from "./db/database.js";
import { AUTH_SCHEMA } from "./db/schema-names.js";
import { existingAccountMail, type Mailer, resetPasswordMail, verificationMail } from "./email/index.js";
import type { Env } from "./env.js";
import { ErrorCode } from "./errors.js";
import type { Logger } from "./logger.js";
import { createPasswordHasher, type PasswordHasher } from "./password.js";

/** Everything the one better-auth instance needs from the outside. */
export interface AuthDeps {
  env: Env;
  database: Database;
  mailer: Mailer;
  logger: Logger;
  /** Wraps the password hasher (tests count calls through it). */
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
}

const MIN_PASSWORD = 8;
const MAX_PASSWORD = 128;
const VERIFY_EMAIL_TTL_S = 15 * 60;
const RESET_PASSWORD_TTL_S = 60 * 60;
const IMPERSONATION_TTL_S = 60 * 60;

/**
 * The one place better-auth is configured. Custom behaviour lives in the modules imported above;
 * this function only wires them in.
 */
export function createAuth({ env, database, mailer, logger, wrapHasher }: AuthDeps) {
  const { db } = database;
  const link = (path: string, token: string): string => `${env.FRONTEND_URL.replace(/\/$/, "")}${path}?token=${token}`;

  const hasher = createPasswordHasher(async (oldHash, newHash) => {
    // The old hash is a random salt plus key: it identifies its account row uniquely.
    await db.updateTable("accounts").set({ password: newHash }).where("password", "=", oldHash).execute();
  });
  const password = wrapHasher ? wrapHasher(hasher) : hasher;

  return betterAuth({
    appName: "Gatehouse",
    baseURL: env.BETTER_AUTH_URL,
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: env.CORS_ORIGINS,
    database: { db, type: database.kind },
    telemetry: { enabled: false },
    // better-auth's own messages go to the same JSON log as ours.
    logger: {
      level: "warn",
      log: (level, message) => logger[level]({ source: "better-auth" }, message),
    },
    ...AUTH_SCHEMA.core,
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: true,
      minPasswordLength: MIN_PASSWORD,
      maxPasswordLength: MAX_PASSWORD,
      resetPasswordTokenExpiresIn: RESET_PASSWORD_TTL_S,
      revokeSessionsOnPasswordReset: true,
      password,
      sendResetPassword: async ({ user, token }) => {
        await mailer.send(resetPasswordMail(user.email, user.name, link("/reset-password", token)));
      },
      onExistingUserSignUp: async ({ user }) => {
        const base = env.FRONTEND_URL.replace(/\/$/, "");
        await mailer.send(existingAccountMail(user.email, user.name, `${base}/sign-in`, `${base}/forgot-password`));
      },
      customSyntheticUser: ({ coreFields, additionalFields, id }) => ({
        ...coreFields,
        role: "user",
        banned: false,
        banReason: null,
        banExpires: null,
        ...additionalFields,
        id,
      }),
    },
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      expiresIn: VERIFY_EMAIL_TTL_S,
      sendVerificationEmail: async ({ user, token }) => {
        await mailer.send(verificationMail(user.email, user.name, link("/verify-email", token)));
      },
    },
    session: {
      ...AUTH_SCHEMA.session,
      expiresIn: env.SESSION_EXPIRES_IN_SECONDS,
      updateAge: env.SESSION_UPDATE_AGE_SECONDS,
      cookieCache: {
        enabled: env.SESSION_COOKIE_CACHE_SECONDS > 0,
        maxAge: env.SESSION_COOKIE_CACHE_SECONDS,
      },
    },
    databaseHooks: {
      user: {
        create: {
          before: async (user) => {
            if (env.ADMIN_EMAILS.includes(user.email.toLowerCase())) return { data: { ...user, role: "admin" } };
            return undefined;
          },
        },
      },
    },
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        if (ctx.path !== "/reset-password") return;
        // better-auth answers INVALID_TOKEN for an expired token too; users deserve to know the
        // link merely timed out, so an existing-but-expired token gets its own code.
        const token = (ctx.body as { token?: unknown } | undefined)?.token ?? ctx.query?.token;
        if (typeof token !== "string" || token.length === 0 || token.length > 256) return;
        const row = await ctx.context.internalAdapter.findVerificationValue(`reset-password:${token}`);
        if (row && new Date(row.expiresAt) < new Date()) {
          throw new APIError("BAD_REQUEST", {
            code: ErrorCode.TOKEN_EXPIRED,
            message: "This password reset link has expired. Request a new one.",
          });
        }
      }),
    },
    plugins: [
      bearer(),
      jwt({
        schema: AUTH_SCHEMA.jwt,
        jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
        jwt: {
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
          expirationTime: `${env.JWT_EXPIRES_IN_SECONDS}s`,
          definePayload: ({ user, session }) => ({
            sid: session.id,
            email: user.email,
            email_verified: user.emailVerified,
            role: (user as { role?: string }).role ?? "user",
            name: user.name,
          }),
        },
      }),
      admin({
        schema: AUTH_SCHEMA.admin,
        defaultRole: "user",
        adminRoles: ["admin"],
        impersonationSessionDuration: IMPERSONATION_TTL_S,
        allowImpersonatingAdmins: false,
      }),
    ],
  });
}

export type Auth = ReturnType<typeof createAuth>;
