import { getCurrentRequestState, hasRequestState } from "@better-auth/core/context";
import { APIError, type createAuthMiddleware } from "better-auth/api";
import { CLIENT_IP_HEADER } from "../security/client-ip.js";

/** The context a better-auth hook or middleware handler receives. */
export type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

/** The request body as a plain record (empty when absent or not an object). */
export function bodyOf(ctx: { body?: unknown }): Record<string, unknown> {
  return (ctx.body && typeof ctx.body === "object" ? ctx.body : {}) as Record<string, unknown>;
}

/** IP (resolved by our client-ip middleware) and user agent of the request behind a hook. */
export function requestMeta(request: Request | undefined | null): { ip: string | null; userAgent: string | null } {
  return {
    ip: request?.headers.get(CLIENT_IP_HEADER) ?? null,
    userAgent: request?.headers.get("user-agent") ?? null,
  };
}

/** Status and code of the APIError an endpoint answered with (`ctx.context.returned`), or null on success. */
export function errorOf(returned: unknown): { status: number; code: string } | null {
  if (returned instanceof APIError) {
    const code = (returned.body as { code?: string } | undefined)?.code ?? String(returned.status);
    return { status: returned.statusCode, code };
  }
  return null;
}

/** The path a hook sees (`/sign-in/email`, `/callback/:id`, …), or "" outside an endpoint. */
export function pathOf(ctx: { path?: string } | null | undefined): string {
  return ctx?.path ?? "";
}

/**
 * One object per endpoint call that its before hooks, the endpoint and its after hooks all see: the
 * HTTP Request, else (a server-side `auth.api.*` call) better-auth's per-call request state, which
 * `toAuthEndpoints` opens for every call made outside one. The hooks' own `ctx.context` is no such
 * key: better-auth's dispatch rebuilds it (defu) between the before hooks and the endpoint, so a
 * code step's reservation kept under it was never settled (never confirmed, cleared or given back).
 */
export async function callKey(ctx: HookContext): Promise<object> {
  if (ctx.request) return ctx.request;
  return (await hasRequestState()) ? await getCurrentRequestState() : ctx.context;
}
