import { passkey } from "@better-auth/passkey";
import { betterAuth } from "better-auth";
// One entry point per plugin: "better-auth/plugins" would load every plugin better-auth ships.
import { admin } from "better-auth/plugins/admin";
import { bearer } from "better-auth/plugins/bearer";
import { jwt } from "better-auth/plugins/jwt";
import { openAPI } from "better-auth/plugins/open-api";
import { twoFactor } from "better-auth/plugins/two-factor";
import type { Redis } from "ioredis";
import { decodeJwt } from "jose";
import { DEFAULT_ROLE, FIELD_LIMITS, IMPERSONATION_SESSION_LIFETIME_SECONDS } from "./contract.gen.js";
import type { Database } from "./db/database.js";
import { AUTH_SCHEMA } from "./db/schema-names.js";
import {
  approveEmailChangeMail,
  confirmNewEmailMail,
  existingAccountMail,
  type Mailer,
  resetPasswordMail,
  verificationMail,
} from "./email/index.js";
import { mailLinks } from "./email/links.js";
import type { Env } from "./env.js";
import { type Logger, logAuthError, logBetterAuth } from "./logger.js";
import { oauthAuthOptions } from "./oauth/index.js";
import { createPasswordHasher, type PasswordHasher } from "./password.js";
import { accountLinks } from "./plugins/account-links/index.js";
import { adminEmails } from "./plugins/admin-emails/index.js";
import { adminSearch } from "./plugins/admin-search/index.js";
import { adminVerification } from "./plugins/admin-verification/index.js";
import { AuditTrail, announceRevocation, audit } from "./plugins/audit/index.js";
import { commonPasswords } from "./plugins/common-passwords/index.js";
import { contractCodes } from "./plugins/contract-codes/index.js";
import { impersonationGuard } from "./plugins/impersonation/index.js";
import { internalAdminApi } from "./plugins/internal-admin/index.js";
import { liveToken } from "./plugins/live-token/index.js";
import { LockoutStore, signInLockout } from "./plugins/lockout/index.js";
import { parseAmr, type SessionMethods, secondFactorRules, sessionMethods } from "./plugins/mfa/index.js";
import { passwordFence } from "./plugins/password-fence/index.js";
import { resetLinkExpiry } from "./plugins/reset-link-expiry/index.js";
import { resetRequest } from "./plugins/reset-request/index.js";
import { adminRoleOptions, canonicalRole, roles } from "./plugins/roles/index.js";
import { type SessionActivity, sessionActivity as sessionActivityPlugin } from "./plugins/session-activity/index.js";
import { sessionRule } from "./plugins/session-rule/index.js";
import { uniqueEmail } from "./plugins/unique-email/index.js";
import { unknownTargets } from "./plugins/unknown-targets/index.js";
import { userFields } from "./plugins/user-fields/index.js";
import { verificationWaiter } from "./plugins/verification-waiter/index.js";
import { CLIENT_IP_HEADER } from "./security/client-ip.js";
import { withHashSlots } from "./security/hash-slots.js";
import { rateLimitOptions } from "./security/rate-limit.js";
import type { SecondaryStorage } from "./storage/redis.js";

/** Everything the one better-auth instance needs from the outside. */
export interface AuthDeps {
  env: Env;
  database: Database;
  mailer: Mailer;
  logger: Logger;
  /** Redis-backed secondary storage when REDIS_URL is set. */
  secondaryStorage?: SecondaryStorage;
  /** The Redis client behind it (the internal API's jti store uses SET NX). */
  redis?: Redis;
  /** Where better-auth's background work (mails) goes instead of holding up the answer. */
  backgroundTasks?: (task: Promise<unknown>) => void;
  /** Wraps the password hasher (tests count calls through it). */
  wrapHasher?: (hasher: PasswordHasher) => PasswordHasher;
  /** Records sessions' last-active time; lists answer it. */
  sessionActivity: SessionActivity;
}

const MIN_PASSWORD = FIELD_LIMITS.password.minLength;
const MAX_PASSWORD = FIELD_LIMITS.password.maxLength;
const VERIFY_EMAIL_TTL_S = 15 * 60;
const RESET_PASSWORD_TTL_S = 60 * 60;

/**
 * The one place better-auth is configured. Gatehouse's own behaviour is a set of better-auth
 * plugins (plugins/<concern>/); this function only wires them in.
 */
export function createAuth({
  env,
  database,
  mailer,
  logger,
  secondaryStorage,
  redis,
  wrapHasher,
  sessionActivity,
  backgroundTasks,
}: AuthDeps) {
  const { db } = database;
  const trail = new AuditTrail(db, database.kind, logger, backgroundTasks);
  const auditing = audit(trail);
  const lockout = signInLockout(new LockoutStore(db, database.kind));
  const admins = adminEmails({
    adminEmails: env.ADMIN_EMAILS,
    mailer,
    frontendUrl: env.FRONTEND_URL,
    activationTtlSeconds: RESET_PASSWORD_TTL_S,
  });
  const waiter = verificationWaiter();
  const oauth = oauthAuthOptions(env);
  // A client's trusted callbackURL / redirectTo is honoured; without one, links open the web app.
  const links = mailLinks({ frontendUrl: env.FRONTEND_URL, baseUrl: env.BETTER_AUTH_URL });

  const mfaRules = secondFactorRules({
    db,
    secret: env.BETTER_AUTH_SECRET,
    trail,
    mailer,
    frontendUrl: env.FRONTEND_URL,
    adminRequireMfa: env.ADMIN_REQUIRE_MFA,
    codeGate: lockout,
  });

  const fence = passwordFence(env.BETTER_AUTH_SECRET);
  const hasher = createPasswordHasher(async (oldHash, newHash) => {
    // The old hash is a random salt plus key: it identifies its account row uniquely.
    await db.updateTable("accounts").set({ password: newHash }).where("password", "=", oldHash).execute();
    await fence.rehashed(newHash);
  });
  // The lockout reserves each attempt before the hash runs, so it sits outside everything else;
  // the fence notes the hash a sign-in verified; inside them, one hash per core at a time: more
  // would only add 19 MiB each to the peak (hash-slots.ts).
  const password = lockout.guard(fence.guard(withHashSlots(wrapHasher ? wrapHasher(hasher) : hasher)));

  // Endpoints a plugin calls back into, bound once the instance exists.
  const late: { requestPasswordReset?: unknown } = {};
  const auth = betterAuth({
    appName: "Gatehouse",
    baseURL: env.BETTER_AUTH_URL,
    secret: env.BETTER_AUTH_SECRET,
    trustedOrigins: env.CORS_ORIGINS,
    database: { db, type: database.kind },
    // With Redis, better-auth keeps sessions there too; they stay in the database as well so the
    // backend and the revocation feed keep working.
    ...(secondaryStorage ? { secondaryStorage } : {}),
    rateLimit: rateLimitOptions(env, secondaryStorage !== undefined),
    advanced: {
      // better-auth turns its origin and callback-URL checks off when NODE_ENV is "test"; Gatehouse
      // keeps them on everywhere, so the suites exercise the rules production runs.
      disableOriginCheck: false,
      // Our client-ip middleware sets this header from the socket and TRUSTED_PROXIES only.
      ipAddress: { ipAddressHeaders: [CLIENT_IP_HEADER] },
      // Mails leave the request's critical path (background.ts): answers time alike for every address.
      ...(backgroundTasks ? { backgroundTasks: { handler: backgroundTasks } } : {}),
    },
    telemetry: { enabled: false },
    // better-auth's own messages go to the same JSON log as ours.
    logger: {
      level: "warn",
      log: (level, message) => logBetterAuth(logger, level, message),
    },
    // Refused requests are a person's mistakes (info), not the server's faults (error).
    onAPIError: { onError: (err) => logAuthError(logger, err) },
    ...AUTH_SCHEMA.core,
    // Google and OpenID Connect sign-in, the account-linking policy and its identity gate (oauth/).
    socialProviders: oauth.socialProviders,
    account: { ...AUTH_SCHEMA.core.account, ...oauth.account },
    user: {
      ...AUTH_SCHEMA.core.user,
      ...oauth.user,
      // better-auth's change-email, the safe way round: the current address approves first (a
      // stolen session alone cannot move the account), then the new one confirms; both link to
      // the web app's /verify-email, or through better-auth to the client's callbackURL. An
      // unverified account gets only the new address's link.
      changeEmail: {
        enabled: true,
        updateEmailWithoutVerification: false,
        sendChangeEmailConfirmation: async ({ user, newEmail, url, token }) => {
          await mailer.send(approveEmailChangeMail(user.email, user.name, newEmail, links.verification(url, token)));
        },
      },
      // Self-service deletion; better-auth asks for the password (or a fresh session).
      deleteUser: { enabled: true },
    },
    emailAndPassword: {
      enabled: true,
      requireEmailVerification: true,
      minPasswordLength: MIN_PASSWORD,
      maxPasswordLength: MAX_PASSWORD,
      resetPasswordTokenExpiresIn: RESET_PASSWORD_TTL_S,
      revokeSessionsOnPasswordReset: true,
      password,
      sendResetPassword: async ({ user, url, token }, request) => {
        // Recorded before the mail goes out: the audit's after hook reads it when the request ends.
        auditing.resetRequested(user.id, request);
        await mailer.send(resetPasswordMail(user.email, user.name, links.reset(url, token)));
      },
      onPasswordReset: async ({ user }, request) => {
        // After the reset committed: sessions a racing sign-in stored meanwhile go too (password-fence).
        await fence.passwordChanged(user.id);
        await lockout.resetCompleted(user);
        await admins.passwordReset(user);
        auditing.resetCompleted(user.id, request);
      },
      onExistingUserSignUp: async ({ user }) => {
        const base = env.FRONTEND_URL.replace(/\/$/, "");
        await mailer.send(existingAccountMail(user.email, user.name, `${base}/sign-in`, `${base}/forgot-password`));
      },
      customSyntheticUser: ({ coreFields, additionalFields, id }) => ({
        ...coreFields,
        role: DEFAULT_ROLE,
        banned: false,
        banReason: null,
        banExpires: null,
        ...additionalFields,
        id,
      }),
    },
    emailVerification: {
      sendOnSignUp: true,
      // ADMIN_EMAILS are granted here, to a proven owner only (plugins/admin-emails).
      afterEmailVerification: async (user) => admins.emailVerified(user),
      autoSignInAfterVerification: true,
      expiresIn: VERIFY_EMAIL_TTL_S,
      sendVerificationEmail: async ({ user, url, token }, request) => {
        // The second step of an email change comes here too, addressed to the new address.
        if (isEmailChange(token)) {
          await mailer.send(confirmNewEmailMail(user.email, user.name, links.verification(url, token)));
          return;
        }
        // Off the answer's path (this runs as background work): binding the waiting page's secret must
        // not time the sign-up. It runs beside the mail and the task waits for both.
        const bound = waiter
          .bind(request, user)
          .catch((err: unknown) => logger.warn({ err }, "could not bind a verification waiter"));
        await mailer.send(verificationMail(user.email, user.name, links.verification(url, token)));
        auditing.verificationMailed(user.id, request);
        await bound;
      },
    },
    session: {
      ...AUTH_SCHEMA.session,
      expiresIn: env.SESSION_EXPIRES_IN_SECONDS,
      updateAge: env.SESSION_UPDATE_AGE_SECONDS,
      // Always in the database, also with Redis: the backend and the revocation feed read it there.
      storeSessionInDatabase: true,
      // Never answered from a cookie: every request meets the session rule in a store.
      cookieCache: { enabled: false },
    },
    plugins: [
      // Gatehouse's own rules first, so their hooks run before the stock plugins' (plugin order).
      // A session the rule refuses is revoked; the audit trail says why.
      sessionRule({ onViolation: (s, why) => announceRevocation(s.id, why === "banned" ? "ban" : "expired") }),
      // Field limits and well-formed text before any other plugin reads a body (contract fieldLimits).
      userFields(),
      uniqueEmail(),
      adminSearch(),
      // 404 for a user or session that does not exist, where better-auth answers 200 for nothing done.
      unknownTargets(),
      // Reset requests answer before any per-account work (the endpoint runs after the answer).
      resetRequest(() => late.requestPasswordReset),
      roles(),
      // Second factors before the audit and the lockout: their sign-in hooks must see the
      // two-factor challenge that replaces the password step's session.
      sessionMethods(),
      twoFactor({
        issuer: "Gatehouse",
        schema: AUTH_SCHEMA.twoFactor,
        backupCodeOptions: { amount: 10, storeBackupCodes: mfaRules.storeBackupCodes },
        trustDeviceMaxAge: 30 * 24 * 3600,
      }),
      // After two-factor's sign-in hook, so it checks the challenge that replaced the session too.
      fence,
      passkey({
        rpID: env.PASSKEY_RP_ID,
        rpName: env.PASSKEY_RP_NAME,
        origin: env.PASSKEY_ORIGIN,
        schema: AUTH_SCHEMA.passkey,
      }),
      mfaRules,
      auditing,
      lockout,
      commonPasswords({ minLength: MIN_PASSWORD, maxLength: MAX_PASSWORD }),
      resetLinkExpiry(),
      contractCodes(),
      sessionActivityPlugin(sessionActivity),
      // The backend's identity changes (POST /api/auth/internal/admin/*, service token only).
      internalAdminApi({ secret: env.BETTER_AUTH_SECRET, db, redis, adminRequireMfa: env.ADMIN_REQUIRE_MFA }),
      bearer(),
      // A body's `token` names the live session when an endpoint replaced the request's own.
      liveToken(),
      impersonationGuard(),
      jwt({
        schema: AUTH_SCHEMA.jwt,
        // A JWT is signed only when a client asks for one (GET /api/auth/token), not for a
        // `set-auth-jwt` header on every get-session that the web app and most clients ignore.
        disableSettingJwtHeader: true,
        jwks: { keyPairConfig: { alg: "EdDSA", crv: "Ed25519" } },
        jwt: {
          issuer: env.JWT_ISSUER,
          audience: env.JWT_AUDIENCE,
          expirationTime: `${env.JWT_EXPIRES_IN_SECONDS}s`,
          definePayload: ({ user, session }) => ({
            sid: session.id,
            email: user.email,
            email_verified: user.emailVerified,
            role: canonicalRole((user as { role?: string | null }).role),
            name: user.name,
            // RFC 8176 methods and OpenID Connect Core §2 auth_time (epoch seconds) of the session.
            amr: parseAmr((session as SessionMethods).amr),
            auth_time: authTimeOf(session as SessionMethods),
          }),
        },
      }),
      admin({
        schema: AUTH_SCHEMA.admin,
        ...adminRoleOptions(),
        impersonationSessionDuration: IMPERSONATION_SESSION_LIFETIME_SECONDS,
        allowImpersonatingAdmins: false,
      }),
      // An admin's "send the verification link again", audited as the admin's (plugins/admin-verification).
      adminVerification(),
      // API reference at /api/auth/reference (better-auth's routes; the custom ones are added in
      // routes/openapi.ts).
      openAPI({ disableDefaultReference: true }),
      accountLinks({ mailer, frontendUrl: env.FRONTEND_URL }),
      admins,
      // "Check your inbox" learns of a verification made on another device (plugins/verification-waiter).
      waiter,
      ...oauth.plugins,
    ],
  });
  late.requestPasswordReset = auth.api.requestPasswordReset;
  return auth;
}

export type Auth = ReturnType<typeof createAuth>;

/** The session's `auth_time` in epoch seconds (its creation for sessions older than the column). */
function authTimeOf(session: SessionMethods & { createdAt?: Date | string }): number {
  const at = session.authTime ?? session.createdAt;
  return Math.floor(new Date(at ?? Date.now()).getTime() / 1000);
}

/** Whether a verification token (better-auth's HS256 JWT) is the new-address step of an email change. */
function isEmailChange(token: string): boolean {
  try {
    // Only routing a template: better-auth itself verifies the token when it is used.
    return decodeJwt(token).requestType === "change-email-verification";
  } catch {
    return false;
  }
}
