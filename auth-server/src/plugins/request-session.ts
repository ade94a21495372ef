import { getSessionFromCtx } from "better-auth/api";
import { unsignToken } from "../routes/fast-session/credential.js";
import type { HookContext } from "./hook-context.js";

/** The session and user a request is signed in with, as the endpoint behind a hook will see them. */
export type RequestSession = NonNullable<Awaited<ReturnType<typeof getSessionFromCtx>>>;

const BEARER = /^bearer (.+)$/i;

/**
 * The session token of the request's `Authorization: Bearer …` header, read as better-auth's bearer
 * plugin reads it: `token.signature` (URL-encoded or not) only when the signature verifies, a raw
 * token as it is. Null without such a header or when the plugin would ignore it.
 */
export function bearerToken(ctx: HookContext): string | null {
  const header = (ctx.request?.headers ?? ctx.headers)?.get("authorization") ?? "";
  const value = BEARER.exec(header.trim())?.[1]?.trim();
  if (!value) return null;
  let decoded = value;
  if (value.includes("%")) {
    try {
      decoded = decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  if (!decoded.includes(".")) return decoded;
  return unsignToken(decoded, ctx.context.secret);
}

/**
 * The request's session, however it is presented: a Bearer token first (better-auth's bearer plugin
 * turns it into the session cookie, but only for the endpoint, not for the other plugins' before
 * hooks, so `getSessionFromCtx` alone misses every Bearer client there), else the session cookie.
 * Read through better-auth's internal adapter, so the session rule (expiry, bans) applies. Null when
 * there is no live session. Every Gatehouse hook that decides on "who is signed in" uses this.
 */
export async function requestSession(ctx: HookContext): Promise<RequestSession | null> {
  const token = bearerToken(ctx);
  if (token) {
    const found = await ctx.context.internalAdapter.findSession(token).catch(() => null);
    return (found as RequestSession | null) ?? null;
  }
  return (await getSessionFromCtx(ctx).catch(() => null)) as RequestSession | null;
}
