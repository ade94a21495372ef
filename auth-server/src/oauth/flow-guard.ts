import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware } from "better-auth/api";
import type { OidcProviderConfig } from "./config.js";
import { OAuthErrorCode } from "./error-codes.js";

/** Endpoints that start or finish a provider flow, and where each names its provider. */
const FLOW_PATHS = new Set(["/sign-in/social", "/link-social", "/callback/:id"]);

type HookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

function providerIdOf(ctx: HookContext): string | undefined {
  const body = ctx.body as { provider?: unknown } | undefined;
  const id = ctx.params?.id ?? body?.provider;
  return typeof id === "string" ? id : undefined;
}

const withoutTrailingSlash = (url: string): string => url.replace(/\/+$/, "");

/**
 * Checks every provider flow before it starts or completes:
 *
 * - ID-token sign-in (`idToken` in the body of /sign-in/social or /link-social, meant for native
 *   apps) is refused: the web app only uses the redirect flow, and a bare ID token can be replayed
 *   for its whole lifetime by whoever copied it;
 *
 * and for each OIDC provider:
 *
 * - the issuer its discovery document announced must be the one its discovery URL belongs to
 *   (OpenID Connect Discovery §4.3). better-auth trusts whatever the document says and then checks
 *   ID tokens and the callback's `iss` against it, so a document served from the wrong place
 *   (a misconfigured proxy, a hijacked path) would otherwise move the trust anchor with it;
 * - a provider whose discovery failed (down at start and still down) answers PROVIDER_UNAVAILABLE
 *   (503) instead of better-auth's "provider not found" (404), which would suggest a typo.
 *
 * It runs after the generic OAuth plugin's own hook, which retries a failed discovery first.
 */
export function flowGuard(providers: OidcProviderConfig[]): BetterAuthPlugin {
  const byId = new Map(providers.map((p) => [p.id, p]));
  return {
    id: "gatehouse-oauth-flow-guard",
    hooks: {
      before: [
        {
          matcher: (ctx) => FLOW_PATHS.has(ctx.path ?? ""),
          handler: createAuthMiddleware(async (ctx) => {
            if ((ctx.body as { idToken?: unknown } | undefined)?.idToken !== undefined) {
              throw new APIError("BAD_REQUEST", {
                code: "ID_TOKEN_SIGN_IN_DISABLED",
                message: "Sign in through the provider's page; ID tokens are not accepted here.",
              });
            }
            const id = providerIdOf(ctx);
            const expected = id ? byId.get(id) : undefined;
            if (!expected) return;
            const provider = ctx.context.socialProviders.find((p) => p.id === expected.id);
            if (!provider) {
              throw new APIError("SERVICE_UNAVAILABLE", {
                code: "PROVIDER_UNAVAILABLE",
                message: OAuthErrorCode.PROVIDER_UNAVAILABLE,
              });
            }
            const announced = typeof provider.issuer === "string" ? provider.issuer : "";
            if (withoutTrailingSlash(announced) !== withoutTrailingSlash(expected.issuer)) {
              ctx.context.logger.error(
                `OIDC provider "${expected.id}": discovery announced issuer "${announced}", expected "${expected.issuer}"`,
              );
              throw new APIError("BAD_GATEWAY", { code: "ISSUER_MISMATCH", message: OAuthErrorCode.ISSUER_MISMATCH });
            }
          }),
        },
      ],
    },
  };
}
