import { IMPERSONATION_SESSION_LIFETIME_SECONDS } from "../../contract.gen.js";
import { isBanInForce, timeOf } from "./ban.js";

/** Why a stored session may not be used: expired, its user banned, or an impersonation past its lifetime. */
export type SessionViolation = "expired" | "banned" | "impersonation_expired";

/** The fields of a session the rule reads (better-auth's camelCase; dates as Date, ISO text or ms). */
export interface RuleSession {
  expiresAt: unknown;
  createdAt: unknown;
  impersonatedBy?: unknown;
}

/** The fields of a user the rule reads. */
export interface RuleUser {
  banned?: unknown;
  banExpires?: unknown;
}

/**
 * The one session rule of the auth server: every path that answers for a session (get-session,
 * /me fast and full, /token, list-sessions, the sessions routes, every endpoint behind
 * better-auth's session middleware) asks this, whether the session came from the database or
 * from Redis. Returns why the session is dead at `now` (ms), or null when it may be used.
 * Revocation is the fourth check and needs no code here: a revoked session is not found.
 *
 * Dates that cannot be read count as past (fail closed). An impersonation session lives at most
 * IMPERSONATION_SESSION_LIFETIME_SECONDS after its creation whatever its `expiresAt` says
 * (better-auth refreshes it like any session; the database caps it, Redis copies do not).
 */
export function sessionViolation(session: RuleSession, user: RuleUser, now: number): SessionViolation | null {
  const expiresAt = timeOf(session.expiresAt);
  if (!(expiresAt > now)) return "expired";
  if (isBanInForce(user, now)) return "banned";
  if (session.impersonatedBy) {
    const createdAt = timeOf(session.createdAt);
    if (!(createdAt + IMPERSONATION_SESSION_LIFETIME_SECONDS * 1000 > now)) return "impersonation_expired";
  }
  return null;
}
