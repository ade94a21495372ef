import { STEP_UP_CODES, type StepUpCode } from "./step-up";
import { SessionLostError, type TokenManager } from "./token-manager";

export interface BackendFetchOptions {
  tokens: TokenManager;
  /** Called once the session is gone (no token can be had, or a fresh token is still refused). */
  onSessionLost?: () => void;
  fetchImpl?: (request: Request) => Promise<Response>;
  /**
   * Called on a 403 MFA_REQUIRED / REAUTHENTICATION_REQUIRED: resolves true once the person proved a
   * second factor or signed in again, and the request is then retried once with a fresh token.
   */
  onStepUp?: (code: StepUpCode) => Promise<boolean>;
}

/** The `{code}` of a 403 that a step-up can answer, or null. */
async function stepUpCodeOf(res: Response): Promise<StepUpCode | null> {
  if (res.status !== 403) return null;
  try {
    const body = (await res.clone().json()) as { code?: unknown };
    return typeof body.code === "string" && STEP_UP_CODES.has(body.code) ? (body.code as StepUpCode) : null;
  } catch {
    return null;
  }
}

/**
 * A fetch for the backend that adds `Authorization: Bearer <JWT>`. A 401 gets exactly one retry
 * with a freshly fetched token: the cached one may have expired in flight or belong to a session
 * that was just revoked. If the retry is refused too, or no token can be had, the session is lost
 * and the app sends the person to sign in.
 */
export function createBackendFetch({
  tokens,
  onSessionLost,
  fetchImpl,
  onStepUp,
}: BackendFetchOptions): (request: Request) => Promise<Response> {
  const doFetch = fetchImpl ?? ((r: Request) => fetch(r));
  const send = async (request: Request): Promise<Response> => {
    const token = await tokens.get();
    // Clone per attempt: a request body can be read only once.
    const attempt = request.clone();
    attempt.headers.set("Authorization", `Bearer ${token}`);
    return doFetch(attempt);
  };

  return async (request) => {
    try {
      const first = await send(request);
      const stepUp = onStepUp ? await stepUpCodeOf(first) : null;
      if (stepUp && onStepUp) {
        if (!(await onStepUp(stepUp))) return first;
        // The session changed (amr / auth_time): the JWT that was refused says the old story.
        tokens.invalidate();
        return send(request);
      }
      if (first.status !== 401) return first;
      tokens.invalidate();
      const second = await send(request);
      if (second.status === 401) onSessionLost?.();
      return second;
    } catch (err) {
      if (err instanceof SessionLostError) onSessionLost?.();
      throw err;
    }
  };
}
