import { tryGetCurrentAuthEndpointContext } from "@better-auth/core/context";
import { normaliseRedirectTarget } from "../middleware/redirect-targets.js";

/** Where the links of account mails point (verification, email change, password reset). */
export interface MailLinks {
  /** For `sendVerificationEmail` and `sendChangeEmailConfirmation`: better-auth's `url` and `token`. */
  verification(url: string, token: string): string;
  /** For `sendResetPassword`: better-auth's `url` and `token`. */
  reset(url: string, token: string): string;
}

/**
 * The client's target (`callbackURL`, or `redirectTo` as the reset link's `callbackURL`) carried
 * by better-auth's link, or null when there is none or it may not be honoured. Over HTTP it has
 * passed the redirect-target normaliser and better-auth's trusted-origin check before the endpoint
 * ran; both are asked again here because a server-side `auth.api` call skips the HTTP middleware
 * and (without a request) better-auth's origin check, and a mail must never carry an unchecked one.
 */
function clientTarget(url: string): string | null {
  let target: string | null;
  try {
    target = new URL(url).searchParams.get("callbackURL");
  } catch {
    return null;
  }
  if (!target || normaliseRedirectTarget(target) !== target) return null;
  const ctx = tryGetCurrentAuthEndpointContext();
  return ctx?.context.isTrustedOrigin(target, { allowRelativePaths: true }) ? target : null;
}

/**
 * A client that names a target gets better-auth's own link, as with stock better-auth and its
 * client: `<BETTER_AUTH_URL>/api/auth/verify-email?token=…&callbackURL=…` verifies (or moves the
 * address) and redirects to `callbackURL` (with `?error=<CODE>` when the link is bad or expired);
 * `<BETTER_AUTH_URL>/api/auth/reset-password/<token>?callbackURL=<redirectTo>` redirects to
 * `redirectTo?token=…` (or `?error=INVALID_TOKEN`), where the client posts the new password. The
 * token and its life (expiry, single use, death on a password change) are the same either way.
 *
 * Without a target the link opens the web app's page (`FRONTEND_URL/verify-email?token=…`,
 * `/reset-password?token=…`), which calls the API itself. better-auth writes a missing verification
 * target as `/`, so `/` means none. A reset target that is that same web page gets the direct
 * link: following better-auth's would end there, one redirect later.
 */
export function mailLinks(options: { frontendUrl: string; baseUrl: string }): MailLinks {
  const frontend = options.frontendUrl.replace(/\/$/, "");
  const own = (path: string, token: string): string => `${frontend}${path}?token=${token}`;
  const ownResetPage = new URL(`${frontend}/reset-password`).href;
  return {
    verification(url, token) {
      const target = clientTarget(url);
      return target === null || target === "/" ? own("/verify-email", token) : url;
    },
    reset(url, token) {
      const target = clientTarget(url);
      // Resolved as better-auth's redirect resolves it (against its base URL).
      if (target === null || new URL(target, options.baseUrl).href === ownResetPage)
        return own("/reset-password", token);
      return url;
    },
  };
}
