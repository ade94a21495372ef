import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import {
  bodyHash,
  SERVICE_TOKEN_AUDIENCE,
  SERVICE_TOKEN_HEADER,
  SERVICE_TOKEN_ISSUER,
  serviceTokenKey,
} from "../../src/plugins/internal-admin/index.js";
import { TEST_SECRET, type TestServer } from "../harness.js";

export interface TokenOptions {
  sub: string;
  /** The acting session's id (the `sid` claim); omitted from the token when null. */
  sid: string | null;
  path: string;
  body: string;
  method?: string;
  secret?: string;
  key?: Uint8Array;
  iss?: string;
  aud?: string;
  /** Seconds since the epoch. */
  iat?: number;
  exp?: number;
  jti?: string;
  alg?: "HS256" | "HS512";
}

/**
 * Signs a service token the way the backend does (src/plugins/internal-admin/README.md; docs/ARCHITECTURE.md,
 * Internal admin API), with overrides for attacks.
 */
export async function serviceToken(o: TokenOptions): Promise<string> {
  const iat = o.iat ?? Math.floor(Date.now() / 1000);
  const claims = { htm: o.method ?? "POST", htu: o.path, bsh: bodyHash(new TextEncoder().encode(o.body)) };
  return new SignJWT(o.sid === null ? claims : { ...claims, sid: o.sid })
    .setProtectedHeader({ alg: o.alg ?? "HS256", typ: "JWT" })
    .setIssuer(o.iss ?? SERVICE_TOKEN_ISSUER)
    .setAudience(o.aud ?? SERVICE_TOKEN_AUDIENCE)
    .setSubject(o.sub)
    .setIssuedAt(iat)
    .setExpirationTime(o.exp ?? iat + 60)
    .setJti(o.jti ?? randomBytes(16).toString("base64url"))
    .sign(o.key ?? serviceTokenKey(o.secret ?? TEST_SECRET));
}

/** The id of `userId`'s newest session of their own (not an impersonation), or "none". */
export async function ownSessionId(s: Pick<TestServer, "gh">, userId: string): Promise<string> {
  const row = await s.gh.database.db
    .selectFrom("user_sessions")
    .select("id")
    .where("user_id", "=", userId)
    .where("impersonated_by", "is", null)
    .orderBy("created_at", "desc")
    .executeTakeFirst();
  return (row?.id as string | undefined) ?? "none";
}

/**
 * Calls an internal admin endpoint as the backend would: exact JSON bytes, token bound to them,
 * acting through the actor's newest own session unless `tweak.sid` names another.
 */
export async function callInternal(
  s: Pick<TestServer, "call" | "gh">,
  action: string,
  actorId: string,
  json: unknown,
  tweak: Partial<TokenOptions> & { headers?: Record<string, string>; token?: string | null } = {},
): Promise<Response> {
  const path = `/api/auth/internal/admin/${action}`;
  const body = JSON.stringify(json);
  const sid = tweak.sid === undefined ? await ownSessionId(s, actorId) : tweak.sid;
  const token =
    tweak.token === undefined ? await serviceToken({ sub: actorId, path, body, ...tweak, sid }) : tweak.token;
  const headers: Record<string, string> = { "Content-Type": "application/json", ...tweak.headers };
  if (token !== null) headers[SERVICE_TOKEN_HEADER] = token;
  return s.call(path, { method: "POST", headers, body });
}
