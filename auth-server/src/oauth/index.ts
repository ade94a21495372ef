/**
 * Sign-in with Google and with any OpenID Connect provider: settings, the better-auth options
 * (providers, linking policy, identity gate, flow guard) and the public routes.
 */
export {
  type EnabledProvider,
  enabledProviders,
  type OidcProviderConfig,
  oauthSettingsProblems,
  oidcProvidersSetting,
} from "./config.js";
export { OAuthErrorCode } from "./error-codes.js";
export { type OAuthAuthOptions, oauthAuthOptions } from "./providers.js";
export { oauthRoutes } from "./routes.js";
