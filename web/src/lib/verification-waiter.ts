import { authClient } from "./auth-client";
import { unwrap } from "./errors";

/**
 * The "Check your inbox" page's waiting secret (auth-server plugins/verification-waiter): made
 * here for each sign-up, sent with it and with this page's re-sends, then used to ask whether the
 * address was verified, wherever the link was opened. The server binds it only to an account the
 * sign-up created, so the answer says nothing about addresses that already had one.
 */

/** Request header the auth server reads the secret from. */
export const WAITER_HEADER = "Gatehouse-Verification-Waiter";
const STORAGE_KEY = "gatehouse.verification-waiter";

export interface Waiter {
  /** The address the sign-up was for (lower-cased, trimmed). */
  email: string;
  /** 32 random bytes, base64url without padding. */
  secret: string;
}

const normalise = (email: string): string => email.trim().toLowerCase();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A fresh secret for a sign-up to `email`, remembered by this tab (sessionStorage). */
export function newWaiter(email: string): Waiter {
  const waiter = { email: normalise(email), secret: base64url(crypto.getRandomValues(new Uint8Array(32))) };
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(waiter));
  } catch {
    // Storage refused (private mode quotas): the wait still works until the tab reloads.
  }
  return waiter;
}

/** This tab's waiter for `email`, if its sign-up made one. */
export function waiterFor(email: string | null | undefined): Waiter | null {
  if (!email) return null;
  try {
    const stored = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null") as Partial<Waiter> | null;
    if (stored && typeof stored.secret === "string" && stored.email === normalise(email))
      return { email: stored.email, secret: stored.secret };
  } catch {
    // Unreadable storage is no waiter.
  }
  return null;
}

/** Forgets this tab's waiter (the wait is over). */
export function forgetWaiter(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing to forget.
  }
}

/** Headers that carry `waiter`'s secret, for a sign-up or a re-send; none without a waiter. */
export function waiterHeaders(waiter: Waiter | null): Record<string, string> {
  return waiter ? { [WAITER_HEADER]: waiter.secret } : {};
}

/** Whether the address `waiter` waits on is verified yet (POST /verification-waiter/status). */
export async function waiterStatus(waiter: Waiter): Promise<"pending" | "verified"> {
  const res = unwrap(
    await authClient.$fetch<{ status: "pending" | "verified" }>("/verification-waiter/status", {
      method: "POST",
      body: { secret: waiter.secret },
    }),
  );
  return res.status;
}

/**
 * Seconds between two status polls after `elapsedS` seconds of waiting: every 5 s for the first
 * two minutes (someone is likely switching to their phone), then every 15 s. At most 12 a minute,
 * under the server's limit of 30.
 */
export function pollDelayS(elapsedS: number): number {
  return elapsedS < 120 ? 5 : 15;
}

/** How long a page keeps asking, in seconds: the server forgets the secret after an hour. */
export const WAIT_LIMIT_S = 3600;
