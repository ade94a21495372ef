import type { BetterAuthOptions, BetterAuthPlugin } from "better-auth";
import { type GenericOAuthConfig, genericOAuth } from "better-auth/plugins/generic-oauth";
import type { OAuthSettings } from "./config.js";
import { flowGuard } from "./flow-guard.js";
import { recordProfile } from "./profile-probe.js";

type ValidateUserInfo = NonNullable<NonNullable<BetterAuthOptions["user"]>["validateUserInfo"]>;

/** The slices of the better-auth options that social and OpenID Connect sign-in own. */
export interface OAuthAuthOptions {
  socialProviders: NonNullable<BetterAuthOptions["socialProviders"]>;
  /** Merged into `account` (next to the table names). */
  account: Omit<NonNullable<BetterAuthOptions["account"]>, "modelName" | "fields">;
  /** Merged into `user` (next to the table names). */
  user: { validateUserInfo: ValidateUserInfo };
  plugins: BetterAuthPlugin[];
}

/**
 * Refuses a provider identity whose email the provider has not verified, when it would create a
 * user or be attached to one. better-auth already declines to link such an identity implicitly;
 * this gate also covers sign-up, because an account created from an unverified address lets its
 * creator sign in to it later, after the address's real owner has taken it over by resetting the
 * password (a pre-account-takeover). Returning sign-ins of an identity linked earlier pass: the
 * link itself was checked.
 */
export const refuseUnverifiedProviderEmail: ValidateUserInfo = ({ user, source }) => {
  if (source.method !== "oauth" || source.action === "sign-in") return;
  if (user.emailVerified === true) return;
  return {
    error: "PROVIDER_EMAIL_NOT_VERIFIED",
    errorDescription: "The provider has not verified this email address.",
  };
};

/**
 * better-auth configuration for Google (built-in provider) and every OIDC_PROVIDERS entry
 * (generic OAuth plugin, discovery, PKCE, ID tokens verified against the provider's JWKS,
 * issuer and nonce). Nothing is enabled unless configured.
 */
export function oauthAuthOptions(env: OAuthSettings): OAuthAuthOptions {
  const socialProviders: OAuthAuthOptions["socialProviders"] = {};
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) {
    // Google's endpoints are fixed in better-auth (PKCE is always on for it); the redirect URI is
    // {BETTER_AUTH_URL}/api/auth/callback/google.
    socialProviders.google = {
      clientId: env.GOOGLE_CLIENT_ID,
      clientSecret: env.GOOGLE_CLIENT_SECRET,
      prompt: "select_account",
      disableIdTokenSignIn: true,
      mapProfileToUser: recordProfile,
    };
  }

  const oidc: GenericOAuthConfig[] = env.OIDC_PROVIDERS.map((p) => ({
    providerId: p.id,
    name: p.name,
    discoveryUrl: p.discoveryUrl,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    scopes: p.scopes,
    pkce: true,
    // Without the discovery's issuer and JWKS the ID token would only be decoded, not verified:
    // such a provider stays disabled (and discovery is retried) instead of degrading silently.
    requireIdTokenVerification: true,
    mapProfileToUser: recordProfile,
    // Signing out of Gatehouse ends the Gatehouse session only; better-auth would otherwise send
    // the browser to the provider's logout page with no way back into the app.
    disableProviderLogout: true,
  }));

  return {
    socialProviders,
    account: {
      // Provider tokens are not needed in clear by anyone; keep them encrypted at rest.
      encryptOAuthTokens: true,
      accountLinking: {
        enabled: true,
        // No provider is trusted blindly: an identity links to an existing user only when the
        // provider says the email is verified (GHSA-g38m-r43w-p2q7)...
        trustedProviders: [],
        // ...and the existing user's own email is verified, so an attacker who pre-registered the
        // victim's address without verifying it never receives the victim's identity.
        requireLocalEmailVerified: true,
        allowDifferentEmails: false,
        // The last way to sign in cannot be removed (better-auth: FAILED_TO_UNLINK_LAST_ACCOUNT).
        allowUnlinkingAll: false,
      },
    },
    user: { validateUserInfo: refuseUnverifiedProviderEmail },
    // The guard runs after the generic plugin's own hooks (plugin order), so after its discovery retry.
    plugins: [...(oidc.length > 0 ? [genericOAuth({ config: oidc })] : []), flowGuard(env.OIDC_PROVIDERS)],
  };
}
