/**
 * What people read when a provider sign-in or a link goes wrong. The codes are the auth server's
 * (auth-server/src/oauth/error-codes.ts, sent as `?error=<CODE>` on the redirect back) plus the
 * JSON errors of the calls that start a flow or change sign-in methods.
 */
export const OAUTH_MESSAGES = {
  ACCESS_DENIED: "You cancelled the sign-in at the provider. Nothing was changed.",
  PROVIDER_ERROR: "The provider refused the sign-in request.",
  PROVIDER_UNAVAILABLE: "The sign-in provider is unreachable right now. Try again in a moment.",
  PROVIDER_NOT_FOUND: "This sign-in provider is not enabled.",
  STATE_MISMATCH: "This sign-in attempt expired or was started in another browser. Start again.",
  INVALID_CODE: "The provider's answer could not be used (it expired or was already used). Start again.",
  ISSUER_MISMATCH: "The answer did not come from the expected provider, so it was refused.",
  ID_TOKEN_INVALID: "The provider's identity could not be verified.",
  EMAIL_NOT_FOUND: "The provider did not share an email address, so we can't sign you in with it.",
  PROVIDER_EMAIL_NOT_VERIFIED:
    "The provider has not verified this email address, so it can't be used to sign in or to link an account.",
  ACCOUNT_NOT_LINKED:
    "An account with this email already exists. Sign in with your password, then link this provider on your account page.",
  EMAIL_DOES_NOT_MATCH: "That provider account uses a different email address than yours.",
  ACCOUNT_ALREADY_LINKED: "That provider account is already linked to another user.",
  LINK_FAILED: "The provider account could not be linked. Sign in again and retry.",
  OAUTH_FAILED: "Sign-in with the provider failed. Try again.",
  ID_TOKEN_SIGN_IN_DISABLED: "Sign in through the provider's page.",
  // Managing sign-in methods (better-auth's codes).
  FAILED_TO_UNLINK_LAST_ACCOUNT: "This is your only way to sign in, so it can't be removed. Add another one first.",
  ACCOUNT_NOT_FOUND: "That sign-in method is no longer linked. The list has been refreshed.",
  SESSION_NOT_FRESH: "For your security, sign in again before changing how you sign in.",
} as const;

export type OAuthErrorCode = keyof typeof OAUTH_MESSAGES;

/**
 * The message for an `?error=` value found in the address bar. Anyone can craft that link, so an
 * unknown value is never echoed: it reads as a generic failure.
 */
export function oauthRedirectError(value: string | null): { code: OAuthErrorCode; message: string } | null {
  if (!value) return null;
  const code: OAuthErrorCode = Object.hasOwn(OAUTH_MESSAGES, value) ? (value as OAuthErrorCode) : "OAUTH_FAILED";
  return { code, message: OAUTH_MESSAGES[code] };
}
