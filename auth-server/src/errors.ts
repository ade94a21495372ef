import { ERROR_STATUS, ErrorCode } from "./contract.gen.js";

/**
 * The auth server's error vocabulary is the shared contract's (contract/gatehouse.json, generated
 * into contract.gen.ts): the same condition answers the same code on both services. better-auth's
 * own codes (INVALID_EMAIL_OR_PASSWORD, EMAIL_NOT_VERIFIED, INVALID_TOKEN, …) pass through
 * unchanged unless a plugin maps them. Clients may switch on `code`; messages are for people.
 */
export { ERROR_STATUS, ErrorCode };

/** The `{code, message}` body every error response carries. */
export interface ErrorBody {
  code: string;
  message: string;
  request_id?: string;
}

/** Code used when a response has no code of its own, by HTTP status. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 401:
      return ErrorCode.UNAUTHORIZED;
    case 403:
      return ErrorCode.FORBIDDEN;
    case 404:
      return ErrorCode.NOT_FOUND;
    case 405:
      return ErrorCode.METHOD_NOT_ALLOWED;
    case 413:
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 415:
      return ErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case 431:
      return ErrorCode.HEADERS_TOO_LARGE;
    case 429:
      return ErrorCode.RATE_LIMITED;
    default:
      return status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.BAD_REQUEST;
  }
}

/** An error a route throws on purpose; app.onError turns it into `{code, message}`. */
export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 413 | 429 | 503,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
