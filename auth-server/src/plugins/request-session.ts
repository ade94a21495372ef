import { getSessionFromCtx } from "better-auth/api";
import type { HookContext } from "./hook-context.js";

/** The session and user a request is signed in with, as the endpoint behind a hook will see them. */
export type RequestSession = NonNullable<Awaited<ReturnType<typeof getSessionFromCtx>>>;

/** What a before hook answers when it changes the request (better-auth `runBeforeHooks`). */
type HookResult = { response?: { context?: { headers?: unknown } } } | undefined;

/**
 * The request headers the endpoint will read its session from. better-auth's bearer plugin
 * (`plugins/bearer`) turns `Authorization: Bearer …` into the session cookie in a before hook of
 * its own, which runs after Gatehouse's hooks and changes the headers only for the endpoint. So
 * the plugin's own hook is run here, on the request as it stands, and its headers are laid over
 * the request's exactly as better-auth's dispatch lays them (`dispatchAuthEndpoint`: one
 * `set` per header). Its rule is better-auth's, not a copy: which forms it takes up (a raw token,
 * `token.signature` escaped or not) and which it ignores can change upstream without drifting here.
 */
async function endpointHeaders(ctx: HookContext): Promise<Headers | undefined> {
  const headers = ctx.headers ?? ctx.request?.headers;
  const bearer = ctx.context.options.plugins?.find((plugin) => plugin.id === "bearer");
  let merged: Headers | undefined;
  for (const hook of bearer?.hooks?.before ?? []) {
    if (!hook.matcher(ctx as never)) continue;
    const result = (await hook.handler({ ...ctx, returnHeaders: true } as never)) as HookResult;
    const changed = result?.response?.context?.headers;
    if (!(changed instanceof Headers)) continue;
    merged ??= new Headers(headers);
    for (const [key, value] of changed) merged.set(key, value);
  }
  return merged ?? headers;
}

/**
 * The request's session as the endpoint will see it, or null when it will see none: read by
 * better-auth's own `getSessionFromCtx` (expiry, the session rule, bans) from the headers the
 * endpoint gets (`endpointHeaders`), so a Bearer header the bearer plugin takes up decides — even
 * one the endpoint then cannot use (trailing bytes after the signature, a third dot, an escaped
 * dot, a signed-out session): the endpoint has no session then, and neither has this, whatever
 * session cookie rode along. A hook that judged that cookie instead would decide about someone
 * other than the endpoint acts for (the code step's lockout charged to the attacker's own account
 * while the endpoint checks the victim's challenge). Every Gatehouse hook that decides on "who is
 * signed in" uses this.
 *
 * Nothing of the request's own context is changed: the read runs on a copy whose cached session
 * is cleared, with refresh off and its response headers dropped (the endpoint sets its own).
 */
export async function requestSession(ctx: HookContext): Promise<RequestSession | null> {
  const headers = await endpointHeaders(ctx);
  const view = {
    ...ctx,
    headers,
    responseHeaders: new Headers(),
    context: { ...ctx.context, session: null },
  } as HookContext;
  const session = await getSessionFromCtx(view, { disableRefresh: true }).catch(() => null);
  return (session as RequestSession | null) ?? null;
}
