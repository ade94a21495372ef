import { codeForStatus, type ErrorBody, ErrorCode } from "../errors.js";

/** Messages for better-auth answers that carry no JSON body of their own. */
function defaultMessage(status: number): string {
  if (status === 404) return "No such auth endpoint.";
  if (status === 405) return "Method not allowed on this endpoint.";
  if (status === 413) return "Request body too large.";
  if (status === 429) return "Too many requests. Try again later.";
  if (status >= 500) return "Something went wrong on our side.";
  return "The request could not be processed.";
}

/**
 * Gives every error response from better-auth the house `{code, message}` shape. Its APIErrors
 * already have both; a few paths (unknown endpoint, unparseable body, rate limit) answer with an
 * empty body, plain text or only `message`. Successful and redirect responses pass untouched.
 */
export async function normalizeErrorResponse(res: Response): Promise<Response> {
  if (res.status < 400) return res;
  const text = await res.text();
  let parsed: Partial<ErrorBody> | null = null;
  try {
    parsed = text ? (JSON.parse(text) as Partial<ErrorBody>) : null;
  } catch {
    parsed = null;
  }
  // better-call answers a body it cannot parse with 400 {code: "BAD_REQUEST", message: "Invalid JSON in
  // request body"} (or a 500) before any handler runs; the contract's answer for it, the backend's too, is
  // INVALID_JSON with the sentence below, so better-call's own body is set aside.
  const looksLikeBadJson = /json/i.test(text) && /(parse|unexpected|invalid)/i.test(text);
  if (looksLikeBadJson && parsed?.code === "BAD_REQUEST") parsed = null;
  let status = res.status;
  if (status >= 500 && looksLikeBadJson) status = 400;
  const body: ErrorBody = {
    code:
      typeof parsed?.code === "string" && parsed.code
        ? parsed.code
        : looksLikeBadJson
          ? ErrorCode.INVALID_JSON
          : codeForStatus(status),
    message:
      typeof parsed?.message === "string" && parsed.message
        ? parsed.message
        : looksLikeBadJson
          ? "The request body is not valid JSON."
          : defaultMessage(status),
  };
  const headers = new Headers(res.headers);
  // better-auth's limiter says X-Retry-After; HTTP clients and proxies understand Retry-After.
  const retry = headers.get("X-Retry-After");
  if (status === 429 && retry && !headers.has("Retry-After")) headers.set("Retry-After", retry);
  headers.set("Content-Type", "application/json");
  headers.delete("Content-Length");
  return new Response(JSON.stringify(body), { status, headers });
}
