import { Hono } from "hono";
import type { Auth } from "../auth.js";
import { describeDevice } from "../device.gen.js";
import { HttpError } from "../errors.js";
import { announceRevocation } from "../plugins/audit/index.js";
import { type SessionActivity, withLastActive } from "../plugins/session-activity/index.js";
import { sessionViolation } from "../plugins/session-rule/index.js";
import { meAnswer, tokenExcerpt } from "./session-view.js";

type SessionWithUser = NonNullable<Awaited<ReturnType<Auth["api"]["getSession"]>>>;

/** Resolves the caller's session (cookie or Bearer) through better-auth, or answers 401. */
async function requireSession(auth: Auth, headers: Headers): Promise<SessionWithUser> {
  const current = await auth.api.getSession({ headers });
  if (!current) throw new HttpError(401, "UNAUTHORIZED", "Sign in to continue.");
  return current;
}

/**
 * Custom routes under /api/auth, mounted before better-auth's catch-all:
 * GET /me, GET /sessions (each with `lastActiveAt`, from `activity`), DELETE /sessions/:id.
 */
export function sessionRoutes(auth: Auth, activity: SessionActivity): Hono {
  const app = new Hono();

  app.get("/api/auth/me", async (c) => {
    const { user } = await requireSession(auth, c.req.raw.headers);
    c.header("Cache-Control", "no-store");
    return c.json(meAnswer(user));
  });

  app.get("/api/auth/sessions", async (c) => {
    const current = await requireSession(auth, c.req.raw.headers);
    const ctx = await auth.$context;
    const sessions = await ctx.internalAdapter.listSessions(current.user.id);
    const now = Date.now();
    // get-session above noted the caller's use (plugins/session-activity), so its row reads "now".
    const live = await withLastActive(
      activity,
      // The session rule, as for the caller's own session (whose user passed it just now).
      sessions.filter((s) => !sessionViolation(s, {}, now)),
    );
    c.header("Cache-Control", "no-store");
    return c.json(
      live
        .sort((a, b) => new Date(b.createdAt).getTime() - new Date(a.createdAt).getTime())
        .map((s) => ({
          id: s.id,
          tokenExcerpt: tokenExcerpt(s.token),
          createdAt: new Date(s.createdAt).toISOString(),
          lastActiveAt: s.lastActiveAt,
          expiresAt: new Date(s.expiresAt).toISOString(),
          ipAddress: s.ipAddress ?? null,
          userAgent: s.userAgent ?? null,
          device: describeDevice(s.userAgent),
          isCurrent: s.id === current.session.id,
          impersonatedBy: (s as { impersonatedBy?: string | null }).impersonatedBy ?? null,
        })),
    );
  });

  app.delete("/api/auth/sessions/:id", async (c) => {
    const current = await requireSession(auth, c.req.raw.headers);
    const id = c.req.param("id");
    if (id === current.session.id) {
      throw new HttpError(400, "CANNOT_REVOKE_CURRENT_SESSION", "This is the session you are using; sign out instead.");
    }
    const ctx = await auth.$context;
    const target = (await ctx.internalAdapter.listSessions(current.user.id)).find((s) => s.id === id);
    // Another user's session and a session that does not exist look the same: 404.
    if (!target) throw new HttpError(404, "SESSION_NOT_FOUND", "No such session.");
    announceRevocation(target.id, "user");
    await ctx.internalAdapter.deleteSession(target.token);
    return c.body(null, 204);
  });

  return app;
}
