import { AsyncLocalStorage } from "node:async_hooks";

/** What one callback request learned about the provider's identity. */
export interface ProfileProbe {
  /** The provider's `email_verified` claim, once the profile has been read. */
  emailVerified?: boolean;
}

const storage = new AsyncLocalStorage<ProfileProbe>();

/**
 * Runs `fn` (one OAuth callback) with a probe the provider's profile mapper fills in.
 *
 * Why: when better-auth refuses to link an identity to an existing user it answers only
 * `account_not_linked`, for two different reasons — the provider did not verify the email (the
 * takeover attempt of GHSA-g38m-r43w-p2q7) or the local account's email is unverified. The user
 * must do different things in each case, so the callback route needs to know which one it was.
 */
export function withProfileProbe<T>(probe: ProfileProbe, fn: () => Promise<T>): Promise<T> {
  return storage.run(probe, fn);
}

/** Parses `email_verified` as OIDC providers send it (a boolean, or "true"/"false" from some). */
export function claimIsTrue(value: unknown): boolean {
  return value === true || value === "true";
}

/** Profile mapper for every provider: records `email_verified` and maps nothing. */
export function recordProfile(profile: object): Record<string, never> {
  const probe = storage.getStore();
  if (probe) probe.emailVerified = claimIsTrue((profile as { email_verified?: unknown }).email_verified);
  return {};
}
