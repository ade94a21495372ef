import { passkeyClient } from "@better-auth/passkey/client";
import { adminClient, jwtClient, twoFactorClient } from "better-auth/client/plugins";
import { createAuthClient } from "better-auth/react";
import { withRequestId } from "./request-id";

/**
 * The better-auth client. It talks to the web app's own origin: the Vite server (dev) or the
 * deployment's reverse proxy forwards /api/auth to the auth server, so the session cookie is
 * first-party. Pinned to the auth server's better-auth version: the wire format is theirs.
 */
export const authClient = createAuthClient({
  baseURL: typeof window === "undefined" ? "http://localhost" : window.location.origin,
  basePath: "/api/auth",
  // twoFactorClient: TOTP and backup codes (the sign-in page handles the two-factor challenge itself);
  // passkeyClient: WebAuthn through the browser's navigator.credentials.
  plugins: [adminClient(), jwtClient(), twoFactorClient(), passkeyClient()],
  // A fresh X-Request-ID on every call, so the auth server's log lines for one click can be found.
  fetchOptions: { customFetchImpl: withRequestId() },
  sessionOptions: {
    // A banned or revoked session should not linger on screen: re-check on focus and every minute.
    refetchOnWindowFocus: true,
    refetchInterval: 60,
  },
});

export type SessionData = NonNullable<ReturnType<typeof authClient.useSession>["data"]>;
export type SessionUser = SessionData["user"];

/**
 * Signs out of Gatehouse only. For someone with a linked OpenID Connect provider, better-auth 1.7
 * otherwise answers with the provider's logout page (RP-initiated logout) and its client follows it,
 * leaving the app for a provider page that does not come back. Signing out of the company's
 * identity provider is not what "Sign out" here means.
 */
export function signOutOfApp(): ReturnType<typeof authClient.signOut> {
  return authClient.signOut({ disableRedirect: true });
}
