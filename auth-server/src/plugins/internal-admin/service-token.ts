import { createHash, hkdfSync } from "node:crypto";
import { errors, jwtVerify } from "jose";

/**
 * Service-to-service authentication of the internal admin API (README.md beside this file): the
 * backend signs one short-lived JWT per request, bound to that request.
 *
 *   header  Gatehouse-Service-Token: <JWT>   (HS256, RFC 7518 §3.2)
 *   key     HKDF-SHA256(ikm = BETTER_AUTH_SECRET, salt = "", info = SERVICE_TOKEN_KEY_INFO, L = 32)
 *           (RFC 5869): a key of its own, so no other use of the secret can mint one
 *   claims  iss SERVICE_TOKEN_ISSUER, aud SERVICE_TOKEN_AUDIENCE, sub = acting user id,
 *           sid = the session they acted with (OpenID Connect's session id claim), iat,
 *           exp <= iat + 60 s, jti (single use), htm = HTTP method, htu = request path,
 *           bsh = base64url(SHA-256(exact body bytes))
 *
 * `htm`/`htu` follow DPoP (RFC 9449 §4.2), `bsh` binds the body, so a captured token is good for
 * nothing but the one request it was made for, and only once (the jti store).
 */
export const SERVICE_TOKEN_HEADER = "gatehouse-service-token";
export const SERVICE_TOKEN_ISSUER = "gatehouse-backend";
export const SERVICE_TOKEN_AUDIENCE = "gatehouse-auth-internal";
export const SERVICE_TOKEN_KEY_INFO = "gatehouse internal admin api v1";
/** Longest lifetime (exp - iat) a service token may claim, in seconds. */
export const SERVICE_TOKEN_MAX_LIFETIME_S = 60;
/** Clock difference tolerated between the services, in seconds. */
export const SERVICE_TOKEN_CLOCK_SKEW_S = 5;

/** The HS256 key both services derive from BETTER_AUTH_SECRET. */
export function serviceTokenKey(secret: string): Uint8Array {
  return new Uint8Array(hkdfSync("sha256", Buffer.from(secret, "utf8"), Buffer.alloc(0), SERVICE_TOKEN_KEY_INFO, 32));
}

/** base64url(SHA-256(bytes)), the `bsh` claim of a body. */
export function bodyHash(body: Uint8Array): string {
  return createHash("sha256").update(body).digest("base64url");
}

/** The verified claims of a service token. */
export interface ServiceClaims {
  /** The acting user's id. */
  sub: string;
  /** The id of the session the acting user made the request with (checked again by the guard). */
  sid: string;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** What the request looked like, to compare with the token's binding claims. */
export interface BoundRequest {
  method: string;
  path: string;
  /** bodyHash() of the exact bytes received. */
  bodySha256: string;
}

/** Why a token was refused (logged, never sent: the answer is always 401 UNAUTHORIZED). */
export class ServiceTokenError extends Error {}

/** jti: at least 128 bits written in a URL-safe alphabet (22 base64url characters), at most 256 characters. */
const JTI = /^[A-Za-z0-9_~.-]{22,256}$/;

/**
 * Verifies `token` against `key` and `request` at `nowS` (seconds). Returns its claims, or throws
 * ServiceTokenError saying why. Replay (the jti) is the caller's to check, after this passes.
 */
export async function verifyServiceToken(
  token: string,
  key: Uint8Array,
  request: BoundRequest,
  nowS: number = Math.floor(Date.now() / 1000),
): Promise<ServiceClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: ["HS256"],
      issuer: SERVICE_TOKEN_ISSUER,
      audience: SERVICE_TOKEN_AUDIENCE,
      requiredClaims: ["sub", "sid", "iat", "exp", "jti", "htm", "htu", "bsh"],
      clockTolerance: SERVICE_TOKEN_CLOCK_SKEW_S,
      currentDate: new Date(nowS * 1000),
    }));
  } catch (err) {
    const why = err instanceof errors.JOSEError ? err.code : "malformed";
    throw new ServiceTokenError(`token refused: ${why}`);
  }
  const { sub, sid, iat, exp, jti, htm, htu, bsh } = payload;
  if (typeof sub !== "string" || sub.length === 0 || sub.length > 255) throw new ServiceTokenError("bad sub");
  if (typeof sid !== "string" || sid.length === 0 || sid.length > 255) throw new ServiceTokenError("bad sid");
  if (typeof iat !== "number" || typeof exp !== "number") throw new ServiceTokenError("bad iat/exp");
  if (exp - iat > SERVICE_TOKEN_MAX_LIFETIME_S) throw new ServiceTokenError("lifetime over 60 s");
  if (iat > nowS + SERVICE_TOKEN_CLOCK_SKEW_S) throw new ServiceTokenError("issued in the future");
  if (typeof jti !== "string" || !JTI.test(jti)) throw new ServiceTokenError("bad jti");
  if (htm !== request.method) throw new ServiceTokenError("htm does not match the request method");
  if (htu !== request.path) throw new ServiceTokenError("htu does not match the request path");
  if (bsh !== request.bodySha256) throw new ServiceTokenError("bsh does not match the request body");
  return { sub, sid, jti, exp };
}
