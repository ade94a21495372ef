import type { HookContext } from "../hook-context.js";
import { requestSession } from "../request-session.js";
import type { AuditEvent } from "./trail.js";

/**
 * Links mailed to an account during a request (a reset link, a verification link sent again),
 * recorded after the request, naming whoever asked when it was someone else: an admin's "send a
 * reset link" or "resend the verification link" is the admin's action, not the user's. better-auth
 * calls the mail callback with the request but not the endpoint's session, so the callback notes
 * the account here and the endpoint's after hook (`recordAfter`) writes the row.
 */
export function mailedLinks(type: AuditEvent["type"]) {
  const mailed = new WeakMap<Request, string>();
  return {
    /** The link for account `userId` went out in answer to `request`. */
    note(request: Request, userId: string): void {
      mailed.set(request, userId);
    },
    /** The row for the link `ctx`'s request mailed, if it mailed one; `record` writes it. */
    async recordAfter(ctx: HookContext, record: (e: AuditEvent) => void): Promise<void> {
      const userId = ctx.request ? mailed.get(ctx.request) : undefined;
      if (!ctx.request || !userId) return;
      mailed.delete(ctx.request);
      // Only a credentialed request can have an asker; an anonymous one is the account's own.
      const credentialed = ctx.request.headers.has("cookie") || ctx.request.headers.has("authorization");
      const asker = credentialed ? await requestSession(ctx) : null;
      const actorId = asker && asker.user.id !== userId ? asker.user.id : null;
      record({ type, userId, actorId, success: true });
    },
  };
}
