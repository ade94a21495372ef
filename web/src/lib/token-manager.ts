/**
 * Keeps one short-lived JWT for backend calls and fetches a new one before the old one expires.
 * The auth server issues 15-minute tokens at GET /api/auth/token; asking for one per request
 * would double the traffic, and using one past its `exp` makes the backend answer 401.
 */

/** No session (signed out, revoked, banned): a new token cannot be had. */
export class SessionLostError extends Error {
  override name = "SessionLostError";
  constructor(message = "Your session has ended. Please sign in again.") {
    super(message);
  }
}

export interface JwtTimes {
  /** Seconds since the epoch, as in the token. */
  exp: number;
  iat?: number;
}

/** Reads `exp`/`iat` from a JWT payload without verifying it (the backend verifies). */
export function decodeJwtTimes(token: string): JwtTimes | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const b64 = part
      .replace(/-/g, "+")
      .replace(/_/g, "/")
      .padEnd(Math.ceil(part.length / 4) * 4, "=");
    // atob yields bytes; the payload is UTF-8 JSON (names may hold any character).
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const payload: unknown = JSON.parse(new TextDecoder().decode(bytes));
    if (typeof payload !== "object" || payload === null) return null;
    const { exp, iat } = payload as { exp?: unknown; iat?: unknown };
    if (typeof exp !== "number") return null;
    return typeof iat === "number" ? { exp, iat } : { exp };
  } catch {
    return null;
  }
}

export interface TokenManagerOptions {
  /** Gets a fresh token; resolves null when there is no session (401 from the auth server). */
  fetchToken: () => Promise<string | null>;
  /** Renew this long before expiry, so a token never expires mid-flight. Default 60 s. */
  refreshSkewMs?: number;
  /** Clock, injectable for tests. */
  now?: () => number;
}

export interface TokenManager {
  /** A token valid for at least `refreshSkewMs`; throws SessionLostError when signed out. */
  get(): Promise<string>;
  /** Forget the cached token (e.g. after the backend refused it). */
  invalidate(): void;
  /** Milliseconds (local clock) until the cached token should be renewed; null when none is cached. */
  msUntilRefresh(): number | null;
}

export function createTokenManager({
  fetchToken,
  refreshSkewMs = 60_000,
  now = Date.now,
}: TokenManagerOptions): TokenManager {
  let cached: { token: string; renewAt: number } | null = null;
  let inflight: Promise<string> | null = null;
  // Bumped by invalidate(): a fetch that started before it must not repopulate the cache.
  let generation = 0;

  const load = async (): Promise<string> => {
    const gen = generation;
    const fetchedAt = now();
    const token = await fetchToken();
    if (!token) throw new SessionLostError();
    const times = decodeJwtTimes(token);
    // The lifetime (exp − iat) is measured on the server's clock; adding it to our own fetch time
    // keeps the schedule right even when this device's clock is minutes off.
    const lifetimeMs = times
      ? times.iat !== undefined
        ? (times.exp - times.iat) * 1000
        : times.exp * 1000 - fetchedAt
      : 0;
    const renewAt = fetchedAt + Math.max(0, lifetimeMs - refreshSkewMs);
    if (gen === generation) cached = { token, renewAt };
    return token;
  };

  return {
    get(): Promise<string> {
      if (cached && now() < cached.renewAt) return Promise.resolve(cached.token);
      // Concurrent callers share one request instead of each fetching a token.
      if (!inflight) {
        inflight = load().finally(() => {
          inflight = null;
        });
      }
      return inflight;
    },
    invalidate(): void {
      generation += 1;
      cached = null;
      inflight = null;
    },
    msUntilRefresh(): number | null {
      return cached ? Math.max(0, cached.renewAt - now()) : null;
    },
  };
}
