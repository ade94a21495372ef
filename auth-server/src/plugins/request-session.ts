import { createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import type { HookContext } from "./hook-context.js";

/** The session and user a request is signed in with, as the endpoint behind a hook will see them. */
export type RequestSession = NonNullable<Awaited<ReturnType<typeof getSessionFromCtx>>>;

type InternalAdapter = HookContext["context"]["internalAdapter"];

/** What a before hook answers when it changes the request (better-auth `runBeforeHooks`). */
type HookResult =
  | { response?: { context?: { headers?: unknown; context?: { internalAdapter?: Partial<InternalAdapter> } } } }
  | undefined;

/**
 * The plugins whose before hooks change what the endpoint reads. better-auth's dispatch gives every
 * before hook the request as it came and applies their changes only for the endpoint, so Gatehouse's
 * deciding hooks never see them: better-auth's bearer plugin (turns `Authorization: Bearer …` into
 * the session cookie, rebuilding the Cookie header with one pair per name, the last) and the session
 * rule (hands the endpoint the guarded session lookups). No other plugin in `auth.ts` changes headers
 * or session lookups (the others change only a body or query); a new one that does must be added here.
 */
const SHAPING_PLUGINS = new Set(["bearer", "gatehouse-session-rule"]);

/** The request as the endpoint will get it: its headers and its internal adapter. */
interface EndpointView {
  headers: Headers | undefined;
  internalAdapter: InternalAdapter;
}

/**
 * What the endpoint behind `ctx` will read: the shaping plugins' own before hooks are run on the
 * request as it stands, and their changes applied as better-auth's dispatch applies them
 * (`dispatchAuthEndpoint`: one `set` per header, the rest merged with defu, so the guarded lookups
 * replace those methods of the adapter and keep the others). Their rules are better-auth's and the
 * session rule's, not copies: which Bearer forms the plugin takes up, how it rebuilds the cookies.
 */
async function endpointView(ctx: HookContext): Promise<EndpointView> {
  let headers = ctx.headers ?? ctx.request?.headers;
  let internalAdapter = ctx.context.internalAdapter;
  let copied = false;
  for (const plugin of ctx.context.options.plugins ?? []) {
    if (!SHAPING_PLUGINS.has(plugin.id)) continue;
    for (const hook of plugin.hooks?.before ?? []) {
      if (!hook.matcher(ctx as never)) continue;
      const change = ((await hook.handler({ ...ctx, returnHeaders: true } as never)) as HookResult)?.response?.context;
      if (!change) continue;
      if (change.headers instanceof Headers) {
        if (!copied) headers = new Headers(headers);
        copied = true;
        for (const [key, value] of change.headers) headers?.set(key, value);
      }
      const lookups = change.context?.internalAdapter;
      if (lookups) internalAdapter = { ...internalAdapter, ...lookups };
    }
  }
  return { headers, internalAdapter };
}

/**
 * The request's session as the endpoint will see it, or null when it will see none: read by
 * better-auth's own `getSessionFromCtx` from the endpoint's headers with the endpoint's (guarded)
 * session lookups (`endpointView`), so expiry, the session rule and bans apply, and a Bearer
 * header the bearer plugin takes up decides — even one the endpoint then cannot use (trailing
 * bytes after the signature, a third dot, an escaped dot, a signed-out session): the endpoint has
 * no session then, and neither has this, whatever session cookie rode along. A hook that judged
 * that cookie instead would decide about someone other than the endpoint acts for (the code
 * step's lockout charged to the attacker's own account while the endpoint checks the victim's
 * challenge). Every Gatehouse hook that decides on "who is signed in" uses this.
 *
 * The read runs on a copy of the request's context (no cached session, refresh off, its own
 * response headers): nothing it sets reaches the answer, which is the endpoint's to make. A
 * session it finds breaking the rule is revoked on the spot, as the endpoint's read would.
 */
export async function requestSession(ctx: HookContext): Promise<RequestSession | null> {
  const { headers, internalAdapter } = await endpointView(ctx);
  const view = {
    ...ctx,
    headers,
    responseHeaders: new Headers(),
    context: { ...ctx.context, session: null, internalAdapter, responseHeaders: new Headers() },
  } as HookContext;
  const session = await getSessionFromCtx(view, { disableRefresh: true }).catch(() => null);
  return (session as RequestSession | null) ?? null;
}

/**
 * The value of the signed cookie `name` as the endpoint will read it (better-call's
 * `getSignedCookie` on the endpoint's headers, `endpointView`), or null when absent or not
 * validly signed. The bearer plugin rebuilds the Cookie header keeping the last pair of each name
 * while better-call's own parse keeps the first, so a hook reading the request as it came could
 * judge a different `two_factor` or `admin_session` cookie than the endpoint acts on.
 */
export async function endpointSignedCookie(ctx: HookContext, name: string): Promise<string | null> {
  const { headers } = await endpointView(ctx);
  const read = createAuthMiddleware(async (c) => c.getSignedCookie(name, c.context.secret));
  const value = await read({ ...ctx, headers, returnHeaders: false } as never);
  return typeof value === "string" ? value : null;
}

/**
 * The internal adapter the endpoint will use: its session lookups apply the session rule (expiry,
 * age limits, bans), refusing — and revoking — a session the rule refuses, as the endpoint's would.
 * For a hook that looks up a session by a token of its own (the impersonation guard's admin session).
 */
export async function endpointAdapter(ctx: HookContext): Promise<InternalAdapter> {
  return (await endpointView(ctx)).internalAdapter;
}
