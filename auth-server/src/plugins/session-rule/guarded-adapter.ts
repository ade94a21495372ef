import type { AuthContext } from "better-auth";
import { type RuleUser, type SessionViolation, sessionViolation } from "./rule.js";

type InternalAdapter = AuthContext["internalAdapter"];
type FoundSession = NonNullable<Awaited<ReturnType<InternalAdapter["findSession"]>>>;

/** Called for every session the rule refuses, before it is revoked (for the audit's cause). */
export type OnViolation = (session: { id: string; userId: string }, why: SessionViolation) => void;

/**
 * The session lookups of better-auth's internal adapter with the session rule applied. Every way
 * better-auth resolves a session (get-session, the session middlewares of update-user,
 * change-password, /token, list-sessions, the admin endpoints, stop-impersonating) goes through
 * `findSession`, reading Redis or the database as configured, so the rule holds in both stores.
 * A session the rule refuses is revoked on the spot (its row deleted, its Redis copy evicted,
 * the feed told) and reported as not found, which every caller already answers as "no session".
 */
export function guardSessionLookups(
  adapter: InternalAdapter,
  onViolation: OnViolation,
): Pick<InternalAdapter, "findSession" | "findSessions" | "listSessions"> {
  const refuse = async (found: FoundSession, why: SessionViolation): Promise<void> => {
    onViolation({ id: found.session.id, userId: found.session.userId }, why);
    try {
      await adapter.deleteSession(found.session.token);
    } catch {
      // The refusal stands either way; the row goes with the next lookup or the expiry clean-up.
    }
  };

  return {
    async findSession(token) {
      const found = await adapter.findSession(token);
      if (!found) return found;
      const why = sessionViolation(found.session, found.user as RuleUser, Date.now());
      if (!why) return found;
      await refuse(found, why);
      return null;
    },
    async findSessions(tokens, options) {
      const found = await adapter.findSessions(tokens, options);
      const now = Date.now();
      const kept: typeof found = [];
      for (const entry of found) {
        const why = sessionViolation(entry.session, entry.user as RuleUser, now);
        if (why) await refuse(entry as FoundSession, why);
        else kept.push(entry);
      }
      return kept;
    },
    // Listing does not revoke (it has no user row to judge bans by, and reads should not write):
    // it leaves out what the rule would refuse on use.
    async listSessions(userId, options) {
      const now = Date.now();
      return (await adapter.listSessions(userId, options)).filter((s) => !sessionViolation(s, {}, now));
    },
  };
}
