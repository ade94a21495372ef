import { createHmac, timingSafeEqual } from "node:crypto";

/** The cookie and bearer settings the fast path reads credentials with (from better-auth's context). */
export interface CredentialConfig {
  secret: string;
  sessionCookie: string;
  /** better-auth's cookie-cache cookie: its presence makes better-auth answer with a Set-Cookie. */
  sessionDataCookie: string;
  /** better-auth's "don't remember me" cookie (signed `true`): a session it marks is never refreshed. */
  dontRememberCookie: string;
  /** The bearer plugin is on; with `requireSignature` it refuses raw (unsigned) tokens. */
  bearer: { enabled: boolean; requireSignature: boolean };
}

/** What a request carries, read exactly as better-auth would, or null when better-auth must decide. */
export interface Credential {
  /** The session token (unsigned). */
  token: string;
  /** A valid don't-remember cookie came with it: better-auth skips the refresh. */
  dontRemember: boolean;
}

/** better-call signs `value` as base64(HMAC-SHA256(secret, value)): 43 characters and one `=`. */
const SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;
/** better-auth's session tokens are 32 alphanumerics; anything else takes the full path. */
const RAW_TOKEN = /^[A-Za-z0-9]{16,128}$/;

/** `value` from `value.signature` when the signature is exactly right (better-call's signed cookie). */
function unsign(signed: string, secret: string, valueForm: RegExp): string | null {
  const dot = signed.indexOf(".");
  if (dot < 1 || dot !== signed.lastIndexOf(".")) return null;
  const value = signed.slice(0, dot);
  const signature = signed.slice(dot + 1);
  if (!valueForm.test(value) || !SIGNATURE.test(signature)) return null;
  const expected = createHmac("sha256", secret).update(value).digest();
  // Constant-time: a byte-by-byte compare would leak how much of a forged signature is right.
  return timingSafeEqual(expected, Buffer.from(signature, "base64")) ? value : null;
}

/** The session token inside `value` (`token.signature`) when the signature is exactly right. */
export function unsignToken(value: string, secret: string): string | null {
  return unsign(value, secret, RAW_TOKEN);
}

function decode(value: string): string | null {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}

/** The value of the one cookie called `name`; undefined when absent, null when repeated (ambiguous). */
function cookieValue(cookie: string, name: string): string | null | undefined {
  if (!cookie.includes(name)) return undefined;
  // better-call's parseCookies trims each pair's name (spaces, tabs, NBSP) before matching it, and
  // keeps the first pair of a name: every pair whose trimmed name is `name` counts here.
  const parts = cookie.split(";").filter((p) => {
    const eq = p.indexOf("=");
    return eq >= 0 && p.slice(0, eq).trim() === name;
  });
  if (parts.length === 0) return undefined;
  // With duplicates, which one wins is better-call's business.
  if (parts.length !== 1) return null;
  const pair = (parts[0] as string).trim();
  // Only the plain `name=value`: whitespace around the `=` is better-call's to read.
  if (!pair.startsWith(`${name}=`)) return null;
  const raw = pair.slice(name.length + 1);
  return decode(raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw);
}

/**
 * The credential a request carries, exactly as better-auth would read it, or null when the
 * request is not the plain case (then better-auth decides). Bearer first, as the bearer plugin
 * does: a raw token is accepted unless `requireSignature`, a `token.signature` must verify.
 * A don't-remember cookie counts only when its signature verifies; one that does not, or a
 * cookie-cache cookie (better-auth clears it with a Set-Cookie), sends the request to better-auth.
 */
export function credentialFromRequest(headers: Headers, cfg: CredentialConfig): Credential | null {
  const cookie = headers.get("cookie") ?? "";
  let dontRemember = false;
  if (cookie) {
    if (cookie.includes(cfg.sessionDataCookie)) return null;
    const marker = cookieValue(cookie, cfg.dontRememberCookie);
    if (marker !== undefined) {
      // better-auth signs the literal `true`; anything else is not the plain case.
      if (marker === null || unsign(marker, cfg.secret, /^true$/) !== "true") return null;
      dontRemember = true;
    }
  }
  const authorization = headers.get("authorization");
  if (authorization) {
    if (!cfg.bearer.enabled || authorization.slice(0, 7).toLowerCase() !== "bearer ") return null;
    const credential = authorization.slice(7).trim();
    // The plugin's order: no dot means a raw token (used as is), a dot means `token.signature`.
    if (!credential.includes(".")) {
      if (cfg.bearer.requireSignature || !RAW_TOKEN.test(credential)) return null;
      return { token: credential, dontRemember };
    }
    const decoded = decode(credential);
    const token = decoded ? unsignToken(decoded, cfg.secret) : null;
    return token ? { token, dontRemember } : null;
  }
  const value = cookieValue(cookie, cfg.sessionCookie);
  const token = value ? unsignToken(value, cfg.secret) : null;
  return token ? { token, dontRemember } : null;
}
