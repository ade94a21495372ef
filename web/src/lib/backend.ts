import createClient from "openapi-fetch";
import type { components, paths } from "../api/schema.gen";
import { authClient } from "./auth-client";
import { createBackendFetch } from "./backend-fetch";
import { RequestError } from "./errors";
import { withRequestId } from "./request-id";
import { emitSessionLost } from "./session-events";
import { requestStepUp } from "./step-up";
import { createTokenManager } from "./token-manager";

export type Task = components["schemas"]["TaskPublic"];
export type TasksPage = components["schemas"]["Page_TaskPublic_"];

/** The JWT for backend calls, from GET /api/auth/token (401 there means: no session). */
export const tokens = createTokenManager({
  fetchToken: async () => {
    const { data, error } = await authClient.$fetch<{ token: string }>("/token", { method: "GET" });
    if (error) {
      if (error.status === 401) return null;
      throw RequestError.from(error, error.status);
    }
    return data?.token ?? null;
  },
});

/** Where the backend is reached: the web app's own origin, which proxies /api/v1. */
const backendOrigin = typeof window === "undefined" ? "http://localhost" : window.location.origin;

/**
 * The fetch every backend call goes through: JWT, one retry on 401, session-lost signal. Each
 * attempt (a 401 retry too) is its own request with its own X-Request-ID.
 */
const backendFetch = createBackendFetch({
  tokens,
  onSessionLost: emitSessionLost,
  fetchImpl: withRequestId(),
  onStepUp: requestStepUp,
});

/** Typed client for the backend (paths include /api/v1, proxied like /api/auth). */
export const backend = createClient<paths>({ baseUrl: backendOrigin, fetch: backendFetch });

/**
 * Unwraps an openapi-fetch result: data on success, RequestError (with the server's `{code,
 * message}`) otherwise.
 */
export function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (!result.response.ok) throw RequestError.from(result.error ?? {}, result.response.status);
  return result.data as T;
}
