import type { BetterAuthPlugin } from "better-auth";
import { createAuthMiddleware } from "better-auth/api";
import type { HookContext } from "../hook-context.js";
import type { SessionActivity } from "./recorder.js";

export { SessionActivity, type SessionActivityOptions, type SessionActivityStats } from "./recorder.js";

/** Endpoints that list sessions: their answers gain `lastActiveAt`. */
const LIST_PATHS = new Set(["/list-sessions", "/admin/list-user-sessions"]);

type Listed = { id: string; createdAt: Date | string; lastActiveAt?: string };

/**
 * `lastActiveAt` for listed sessions: the recorded last use, or the creation time when the
 * session has not been used since (a session is active when it is created), as ISO text.
 */
export async function withLastActive<T extends Listed>(
  activity: SessionActivity,
  sessions: T[],
): Promise<Array<T & { lastActiveAt: string }>> {
  const known = await activity.lastActive(sessions.map((s) => s.id));
  return sessions.map((s) => {
    const created = new Date(s.createdAt).getTime();
    const used = known.get(s.id);
    return { ...s, lastActiveAt: new Date(used !== undefined && used > created ? used : created).toISOString() };
  });
}

/**
 * Sessions' last-active time as a better-auth plugin (recorder.ts says how it is kept cheap):
 *
 * - every endpoint that resolved a session (better-auth sets `context.session` once the session
 *   rule let it through: get-session, /token, list-sessions, account changes, admin endpoints)
 *   notes a use of it after answering; the fast /me path notes its own (routes/fast-session.ts);
 * - better-auth's session lists (`/list-sessions`, `/admin/list-user-sessions`) answer each
 *   session's `lastActiveAt`, as Gatehouse's GET /api/auth/sessions does.
 */
export function sessionActivity(activity: SessionActivity) {
  return {
    id: "gatehouse-session-activity",
    hooks: {
      after: [
        {
          matcher: () => activity.enabled,
          handler: createAuthMiddleware(async (ctx: HookContext) => {
            const id = ctx.context.session?.session.id;
            if (id) activity.touch(id);
          }),
        },
        {
          matcher: (ctx: { path?: string }) => LIST_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx: HookContext) => {
            const returned = ctx.context.returned as Listed[] | { sessions?: Listed[] } | undefined;
            if (Array.isArray(returned)) return ctx.json(await withLastActive(activity, returned));
            if (returned && Array.isArray(returned.sessions))
              return ctx.json({ ...returned, sessions: await withLastActive(activity, returned.sessions) });
          }),
        },
      ],
    },
  } satisfies BetterAuthPlugin;
}
