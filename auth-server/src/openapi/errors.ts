import type { Schema } from "./json-schema.js";

/** Where the one error schema lives in the document. */
export const ERROR_BODY_REF = "#/components/schemas/ErrorBody";

/**
 * The body of every error answer (middleware/error-body.ts gives better-auth's errors this shape,
 * app.onError gives it to ours). better-auth's own document says `{message}` only.
 */
export const ERROR_BODY_SCHEMA: Schema = {
  type: "object",
  description: "Every error answer. Clients switch on `code` (UPPER_SNAKE, stable); `message` is for people.",
  properties: {
    code: { type: "string", examples: ["UNAUTHORIZED"] },
    message: { type: "string" },
    request_id: { type: "string", description: "Present on 500 answers: quote it when reporting the problem." },
  },
  required: ["code", "message"],
};

const DESCRIPTIONS: Record<string, string> = {
  "400": "Bad request: VALIDATION_ERROR, INVALID_JSON or a better-auth code (e.g. INVALID_TOKEN).",
  "401": "UNAUTHORIZED (no valid session) or a credential error (e.g. INVALID_EMAIL_OR_PASSWORD).",
  "403": "Forbidden: FORBIDDEN (needs an admin role), BANNED_USER, EMAIL_NOT_VERIFIED, INVALID_ORIGIN.",
  "404": "Not found: NOT_FOUND, USER_NOT_FOUND, SESSION_NOT_FOUND.",
  "413": "PAYLOAD_TOO_LARGE: the body is larger than the server accepts.",
  "415": "UNSUPPORTED_MEDIA_TYPE: the body must be JSON (application/json).",
  "422": "Unprocessable: e.g. FAILED_TO_CREATE_USER, USER_ALREADY_EXISTS.",
  "429": "RATE_LIMITED: retry after the number of seconds in Retry-After.",
  "500": "INTERNAL_ERROR: a fault on the server; the body carries request_id.",
};

/** What decides an operation's error answers. */
export interface ErrorProfile {
  /** Status codes the operation may answer with an error body. */
  statuses: Iterable<string>;
  /** Error responses written for this operation alone (their descriptions name its own codes). */
  existing?: Record<string, Schema>;
}

/**
 * Error responses for one operation, every one with the `{code, message}` body: the statuses
 * given, each described by the operation's own words when it had some, else by the house text.
 */
export function errorResponses({ statuses, existing = {} }: ErrorProfile): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  for (const status of [...new Set(statuses)].sort()) {
    const own = existing[status]?.description;
    out[status] = {
      description: typeof own === "string" ? own : (DESCRIPTIONS[status] ?? "Error"),
      content: { "application/json": { schema: { $ref: ERROR_BODY_REF } } },
    };
  }
  return out;
}
