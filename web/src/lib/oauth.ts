import { useEffect, useState } from "react";
import { authClient } from "./auth-client";
import { type AppError, RequestError, toAppError, unwrap } from "./errors";

/** A sign-in option the auth server offers (`GET /api/auth/providers`). */
export interface AuthProvider {
  id: string;
  /** Shown on buttons: "Google", "Acme SSO". */
  name: string;
  /** `social`: built into better-auth (Google); `oidc`: any OpenID Connect provider. */
  type: "social" | "oidc";
}

/** A way to sign in that belongs to the signed-in person (better-auth's `list-accounts`). */
export interface LinkedAccount {
  /** The row id `unlinkAccount` takes. */
  id: string;
  /** `credential` for the password, otherwise a provider id. */
  providerId: string;
  createdAt: string | Date;
}

function isProvider(value: unknown): value is AuthProvider {
  const v = value as Partial<AuthProvider> | null;
  return typeof v?.id === "string" && typeof v.name === "string" && (v.type === "social" || v.type === "oidc");
}

let providersOnce: Promise<AuthProvider[]> | null = null;

/** The enabled providers, asked once per page load: they change only when the auth server restarts. */
export function loadProviders(): Promise<AuthProvider[]> {
  providersOnce ??= (async () => {
    const { data, error } = await authClient.$fetch<unknown>("/providers", { method: "GET" });
    if (error) throw RequestError.from(error, error.status);
    return Array.isArray(data) ? data.filter(isProvider) : [];
  })().catch((err: unknown) => {
    providersOnce = null; // a failure is not remembered: the next page asks again
    throw err;
  });
  return providersOnce;
}

/** For tests: forget the remembered provider list. */
export function resetProvidersCache(): void {
  providersOnce = null;
}

/** `providers` is null while loading; an error leaves it empty (the password form still works). */
export function useProviders(): { providers: AuthProvider[] | null; error: AppError | null } {
  const [state, setState] = useState<{ providers: AuthProvider[] | null; error: AppError | null }>({
    providers: null,
    error: null,
  });
  useEffect(() => {
    let live = true;
    loadProviders().then(
      (providers) => live && setState({ providers, error: null }),
      (err: unknown) => live && setState({ providers: [], error: toAppError(err) }),
    );
    return () => {
      live = false;
    };
  }, []);
  return state;
}

const here = (path: string): string => `${window.location.origin}${path}`;

/**
 * Sends the browser to the provider. On success better-auth's client navigates away (its answer
 * carries the provider URL); the provider sends the person back to `next`, or to the sign-in page
 * with `?error=<CODE>`.
 */
export async function signInWithProvider(provider: string, next: string): Promise<void> {
  const errorPage = next === "/tasks" ? "/sign-in" : `/sign-in?next=${encodeURIComponent(next)}`;
  unwrap(
    await authClient.signIn.social({
      provider,
      callbackURL: here(next),
      errorCallbackURL: here(errorPage),
    }),
  );
}

/** Starts linking a provider to the signed-in account; back on the account page either way. */
export async function linkProvider(provider: string): Promise<void> {
  unwrap(
    await authClient.linkSocial({
      provider,
      callbackURL: here(`/account?linked=${encodeURIComponent(provider)}`),
      errorCallbackURL: here("/account"),
    }),
  );
}

export async function listLinkedAccounts(): Promise<LinkedAccount[]> {
  const rows = unwrap(await authClient.listAccounts()) ?? [];
  return rows.map((r) => ({ id: r.id, providerId: r.providerId, createdAt: r.createdAt }));
}

export async function unlinkAccount(accountId: string): Promise<void> {
  unwrap(await authClient.unlinkAccount({ accountId }));
}

/** "Email and password", the provider's configured name, or its id when it is no longer offered. */
export function methodName(providerId: string, providers: readonly AuthProvider[]): string {
  if (providerId === "credential") return "Email and password";
  return providers.find((p) => p.id === providerId)?.name ?? (providerId === "google" ? "Google" : providerId);
}
