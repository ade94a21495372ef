import { z } from "zod";

/** The path every OpenID Connect discovery document lives at, relative to its issuer. */
export const DISCOVERY_SUFFIX = "/.well-known/openid-configuration";

/** Provider ids better-auth already gives a meaning to; an OIDC provider may not take them. */
const RESERVED_IDS = new Set(["google", "credential", "email-password"]);

const DEFAULT_SCOPES = ["openid", "email", "profile"];

const oidcProviderSchema = z.strictObject({
  /** Appears in URLs (`/api/auth/callback/<id>`) and in the `accounts.provider_id` column. */
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, "must be 1–40 lowercase letters, digits, '-' or '_'")
    .refine((id) => !RESERVED_IDS.has(id), { message: "is reserved (use GOOGLE_CLIENT_ID for Google)" }),
  /** Shown on the sign-in button. */
  name: z.string().trim().min(1).max(60),
  /** `<issuer>/.well-known/openid-configuration`; the issuer it names must match (OIDC Discovery §4.3). */
  discoveryUrl: z.url().refine((u) => new URL(u).pathname.endsWith(DISCOVERY_SUFFIX), {
    message: `must end with ${DISCOVERY_SUFFIX}`,
  }),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Requested scopes; `openid` is always added. Default: openid email profile. */
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, "is not a valid scope token")).optional(),
});

/** One generic OpenID Connect provider from `OIDC_PROVIDERS`, validated. */
export interface OidcProviderConfig {
  id: string;
  name: string;
  discoveryUrl: string;
  /** The issuer the discovery document must announce, derived from `discoveryUrl`. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string[];
}

/**
 * Zod type for the `OIDC_PROVIDERS` setting: a JSON array in one environment variable, parsed
 * and validated at start so a typo fails the boot with the field's path, not the first sign-in.
 */
export const oidcProvidersSetting = z
  .string()
  .optional()
  .transform((raw, ctx): unknown => {
    if (raw === undefined || raw.trim() === "") return [];
    try {
      return JSON.parse(raw);
    } catch {
      ctx.addIssue({ code: "custom", message: "is not valid JSON (expected an array of providers)" });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(oidcProviderSchema)
      .max(20)
      .superRefine((list, ctx) => {
        const seen = new Set<string>();
        list.forEach((p, i) => {
          if (seen.has(p.id)) ctx.addIssue({ code: "custom", path: [i, "id"], message: `"${p.id}" is used twice` });
          seen.add(p.id);
        });
      })
      .transform((list): OidcProviderConfig[] =>
        list.map((p) => ({
          ...p,
          issuer: p.discoveryUrl.slice(0, -DISCOVERY_SUFFIX.length),
          scopes: [...new Set(["openid", ...(p.scopes ?? DEFAULT_SCOPES)])],
        })),
      ),
  );

/** The OAuth-related settings, as `loadEnv` returns them. */
export interface OAuthSettings {
  NODE_ENV: string;
  GOOGLE_CLIENT_ID?: string | undefined;
  GOOGLE_CLIENT_SECRET?: string | undefined;
  OIDC_PROVIDERS: OidcProviderConfig[];
}

/** Problems zod cannot see alone (settings that only make sense together); empty when all is well. */
export function oauthSettingsProblems(env: OAuthSettings): string[] {
  const problems: string[] = [];
  if (Boolean(env.GOOGLE_CLIENT_ID) !== Boolean(env.GOOGLE_CLIENT_SECRET)) {
    problems.push("GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET must be set together (or both left empty).");
  }
  if (env.NODE_ENV === "production") {
    for (const p of env.OIDC_PROVIDERS) {
      if (!p.discoveryUrl.startsWith("https://"))
        problems.push(`OIDC_PROVIDERS "${p.id}": discoveryUrl must use https in production.`);
    }
  }
  return problems;
}

/** A sign-in option the web app shows as a button. */
export interface EnabledProvider {
  id: string;
  name: string;
  /** `social`: a built-in better-auth provider (Google); `oidc`: a generic OpenID Connect provider. */
  type: "social" | "oidc";
}

/** Enabled providers in display order: Google first, then OIDC_PROVIDERS as configured. */
export function enabledProviders(env: OAuthSettings): EnabledProvider[] {
  const list: EnabledProvider[] = [];
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) list.push({ id: "google", name: "Google", type: "social" });
  for (const p of env.OIDC_PROVIDERS) list.push({ id: p.id, name: p.name, type: "oidc" });
  return list;
}
