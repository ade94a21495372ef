/**
 * Codes the web app receives as `?error=<CODE>` when a provider sign-in or link ends badly. The
 * callback never answers with an error page or a 500: it redirects to the web app with one of these.
 * Messages are for people; the web app may show them as they are.
 */
export const OAuthErrorCode = {
  ACCESS_DENIED: "You cancelled the sign-in at the provider.",
  PROVIDER_ERROR: "The provider refused the sign-in request.",
  PROVIDER_UNAVAILABLE: "The sign-in provider is unreachable right now. Try again in a moment.",
  PROVIDER_NOT_FOUND: "This sign-in provider is not enabled.",
  STATE_MISMATCH: "This sign-in attempt expired or was started in another browser. Start again.",
  INVALID_CODE: "The provider's answer could not be redeemed (already used, expired, or the provider is down).",
  ISSUER_MISMATCH: "The answer did not come from the expected provider.",
  ID_TOKEN_INVALID: "The provider's identity could not be verified.",
  EMAIL_NOT_FOUND: "The provider did not share an email address.",
  PROVIDER_EMAIL_NOT_VERIFIED:
    "The provider has not verified this email address, so it cannot be used to sign in or to link an account.",
  ACCOUNT_NOT_LINKED:
    "An account with this email already exists. Sign in with your password, then link this provider from your account page.",
  EMAIL_DOES_NOT_MATCH: "The provider account uses a different email address than yours.",
  ACCOUNT_ALREADY_LINKED: "This provider account is already linked to another user.",
  LINK_FAILED: "The provider account could not be linked. Sign in again and retry.",
  OAUTH_FAILED: "Sign-in with the provider failed. Try again.",
} as const;

export type OAuthErrorCode = keyof typeof OAuthErrorCode;

export function isOAuthErrorCode(value: string): value is OAuthErrorCode {
  return Object.hasOwn(OAuthErrorCode, value);
}

/** better-auth's callback codes (lowercase, see its oauth2/errors) and what the web app gets instead. */
const FROM_BETTER_AUTH: Record<string, OAuthErrorCode> = {
  state_not_found: "STATE_MISMATCH",
  state_mismatch: "STATE_MISMATCH",
  state_security_mismatch: "STATE_MISMATCH",
  state_invalid: "STATE_MISMATCH",
  no_code: "INVALID_CODE",
  invalid_code: "INVALID_CODE",
  issuer_missing: "ISSUER_MISMATCH",
  issuer_mismatch: "ISSUER_MISMATCH",
  nonce_binding_missing: "ID_TOKEN_INVALID",
  unable_to_get_user_info: "ID_TOKEN_INVALID",
  oauth_provider_not_found: "PROVIDER_NOT_FOUND",
  email_not_found: "EMAIL_NOT_FOUND",
  account_not_linked: "ACCOUNT_NOT_LINKED",
  email_does_not_match: "EMAIL_DOES_NOT_MATCH",
  account_already_linked_to_different_user: "ACCOUNT_ALREADY_LINKED",
  unable_to_link_account: "LINK_FAILED",
  // Errors the provider itself sends back (RFC 6749 §4.1.2.1).
  access_denied: "ACCESS_DENIED",
  temporarily_unavailable: "PROVIDER_UNAVAILABLE",
  server_error: "PROVIDER_UNAVAILABLE",
  invalid_request: "PROVIDER_ERROR",
  unauthorized_client: "PROVIDER_ERROR",
  unsupported_response_type: "PROVIDER_ERROR",
  invalid_scope: "PROVIDER_ERROR",
  login_required: "PROVIDER_ERROR",
  consent_required: "PROVIDER_ERROR",
  interaction_required: "PROVIDER_ERROR",
};

/**
 * The code for an `error` value found on a callback redirect. Unknown values become OAUTH_FAILED:
 * the value may have been chosen by whoever sent the browser to the callback, so it is never echoed.
 *
 * `providerEmailVerified` is what the provider said about the email during this callback (see
 * profile-probe.ts): when better-auth refuses to link, it tells the two reasons apart.
 */
export function callbackErrorCode(error: string, providerEmailVerified?: boolean): OAuthErrorCode {
  if (isOAuthErrorCode(error)) return error;
  const code = FROM_BETTER_AUTH[error] ?? "OAUTH_FAILED";
  if ((code === "ACCOUNT_NOT_LINKED" || code === "LINK_FAILED") && providerEmailVerified === false) {
    return "PROVIDER_EMAIL_NOT_VERIFIED";
  }
  return code;
}
