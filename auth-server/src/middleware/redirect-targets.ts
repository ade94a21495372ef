import type { Context, MiddlewareHandler } from "hono";
import { type ErrorBody, ErrorCode } from "../errors.js";
import { isWellFormed } from "../plugins/user-fields/fields.js";

/**
 * The request fields better-auth reads as a place to send the browser (query or body), with the
 * code its own origin check answers for each (better-auth `originCheckMiddleware`, BASE_ERROR_CODES).
 */
const TARGET_FIELDS = {
  callbackURL: { code: "INVALID_CALLBACK_URL", message: "Invalid callbackURL" },
  redirectTo: { code: "INVALID_REDIRECT_URL", message: "Invalid redirectURL" },
  errorCallbackURL: { code: "INVALID_ERROR_CALLBACK_URL", message: "Invalid errorCallbackURL" },
  newUserCallbackURL: { code: "INVALID_NEW_USER_CALLBACK_URL", message: "Invalid newUserCallbackURL" },
} as const;
type TargetField = keyof typeof TARGET_FIELDS;
const FIELDS = Object.keys(TARGET_FIELDS) as TargetField[];

/** Any origin will do: it only anchors relative targets and is compared, never contacted. */
const REFERENCE_ORIGIN = "https://redirect-target.invalid";
/** ASCII controls, C1 controls and the backslash (browsers read `\` as `/` in http(s) URLs). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\\]/;
const ENCODED_SEPARATOR = /%2f|%5c|%[01][0-9a-f]|%7f/i;

/**
 * A redirect target in the one form a browser would follow, or null when it cannot be one safely.
 *
 * The WHATWG URL parser (what browsers use on a `Location`) resolves `.`/`..` segments and
 * percent-encodes every non-ASCII character, so the result is exactly where a browser would go
 * and is a valid HTTP header value (a raw `È` in `Location` made the Response constructor throw).
 * - Root-relative (`/path?query#fragment`): must still be a path on the same origin *after*
 *   resolution — `/..//evil.example` resolves to `//evil.example`, a network-path reference
 *   (RFC 3986 §4.2) that leaves the site, so it is refused, as are encoded separators
 *   (`/%2F%2Fevil`) and encoded controls (`/%09/evil`) that a later decode could turn into one.
 * - Absolute: http(s) only and without user info (`https://app@evil.example`); returned as the
 *   parser's `href` (lower-cased host, punycode, encoded path). Whether the origin is trusted is
 *   better-auth's check, which then runs on this normalised form.
 * Anything else (protocol-relative, other schemes, controls, backslashes, surrounding spaces,
 * unparsable) is refused.
 */
export function normaliseRedirectTarget(value: string): string | null {
  if (value === "" || value !== value.trim() || FORBIDDEN_CHARACTERS.test(value)) return null;
  if (value.startsWith("/")) {
    if (value.startsWith("//")) return null;
    let url: URL;
    try {
      url = new URL(value, REFERENCE_ORIGIN);
    } catch {
      return null;
    }
    if (url.origin !== REFERENCE_ORIGIN || url.pathname.startsWith("//")) return null;
    if (ENCODED_SEPARATOR.test(url.pathname)) return null;
    return `${url.pathname}${url.search}${url.hash}`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password) return null;
  return url.href;
}

type Verdict = { ok: true; changed: boolean } | { ok: false; response: Response };

/** Normalises every target field of `fields` in place; the first bad one decides the answer. */
function normaliseFields(c: Context, read: (f: TargetField) => unknown[], write: (f: TargetField, v: string) => void) {
  let changed = false;
  for (const field of FIELDS) {
    const values = read(field);
    if (values.length === 0) continue;
    const [value] = values;
    if (values.length > 1 || typeof value !== "string") {
      return refuse(c, 400, { code: ErrorCode.VALIDATION_ERROR, message: `${field} must be one string.` });
    }
    // A lone surrogate is 400 in any text of any body (plugins/user-fields); normalising would
    // otherwise turn it into U+FFFD first and let it through.
    if (!isWellFormed(value)) {
      return refuse(c, 400, {
        code: ErrorCode.VALIDATION_ERROR,
        message: `${field}: must be well-formed Unicode text (no lone surrogates)`,
      });
    }
    const normal = normaliseRedirectTarget(value);
    if (normal === null) return refuse(c, 403, TARGET_FIELDS[field]);
    if (normal !== value) {
      write(field, normal);
      changed = true;
    }
  }
  return { ok: true, changed } satisfies Verdict;
}

function refuse(c: Context, status: 400 | 403, body: ErrorBody): Verdict {
  return { ok: false, response: c.json<ErrorBody>({ code: body.code, message: body.message }, status) };
}

const isJson = (type: string | null): boolean => /^application\/(?:[\w.+-]+\+)?json\b/i.test(type ?? "");
const isForm = (type: string | null): boolean => /^application\/x-www-form-urlencoded\b/i.test(type ?? "");

/**
 * Every redirect target of every endpoint under it is normalised before any handler sees it
 * (`normaliseRedirectTarget`), so better-auth's trusted-origin check, the state it stores for an
 * OAuth flow, the links it mails and the `Location` it answers all use the same, checked string.
 * Covers the query of every request and JSON or form bodies, whatever the endpoint: a plugin added
 * later is covered without a line of its own. A target that cannot be made safe is refused with
 * better-auth's own code for that field (403 INVALID_CALLBACK_URL, INVALID_REDIRECT_URL,
 * INVALID_ERROR_CALLBACK_URL, INVALID_NEW_USER_CALLBACK_URL); a repeated or non-string one with
 * 400 VALIDATION_ERROR. Mount after the body limit (the body is read here).
 */
export function normaliseRedirectTargets(): MiddlewareHandler {
  return async function normaliseRedirectTargetsMiddleware(c, next) {
    const url = new URL(c.req.raw.url);
    const query = normaliseFields(
      c,
      (f) => url.searchParams.getAll(f),
      (f, v) => url.searchParams.set(f, v),
    );
    if (!query.ok) return query.response;

    let body: string | undefined;
    const type = c.req.header("content-type") ?? null;
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && (isJson(type) || isForm(type))) {
      const text = await c.req.raw.clone().text();
      if (isJson(type)) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined; // better-auth answers malformed JSON itself.
        }
        if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
          const data = parsed as Record<string, unknown>;
          const verdict = normaliseFields(
            c,
            (f) => (data[f] === undefined || data[f] === null ? [] : [data[f]]),
            (f, v) => {
              data[f] = v;
            },
          );
          if (!verdict.ok) return verdict.response;
          if (verdict.changed) body = JSON.stringify(data);
        }
      } else {
        const form = new URLSearchParams(text);
        const verdict = normaliseFields(
          c,
          (f) => form.getAll(f),
          (f, v) => form.set(f, v),
        );
        if (!verdict.ok) return verdict.response;
        if (verdict.changed) body = form.toString();
      }
    }

    if (query.changed || body !== undefined) {
      const headers = new Headers(c.req.raw.headers);
      if (body !== undefined) headers.delete("content-length");
      c.req.raw = new Request(url, {
        method: c.req.method,
        headers,
        body: body ?? (c.req.method === "GET" || c.req.method === "HEAD" ? undefined : await c.req.raw.arrayBuffer()),
        signal: c.req.raw.signal,
      });
    }
    return next();
  };
}
