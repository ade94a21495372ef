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
