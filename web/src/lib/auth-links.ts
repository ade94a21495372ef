import { decodeJwt } from "jose";
import { authClient } from "./auth-client";
import { unwrap } from "./errors";

/** What a verification link's token says about itself (better-auth's HS256 JWT), read without trusting it. */
export interface VerificationToken {
  /** The address the link was mailed for (the current one, for an email change). */
  email: string;
  /** The new address of an email change. */
  updateTo: string | null;
  /** better-auth's step of an email change: approval by the current address, confirmation by the new. */
  kind: "verify" | "change-approve" | "change-confirm";
}

/**
 * Reads a verification token's claims so a page can name the address and the step before (and
 * whatever) the server answers. Only for wording and for "send a new link to …": the server
 * verifies the signature when the token is used. Null for anything that is not such a JWT.
 */
export function readVerificationToken(token: string | null): VerificationToken | null {
  if (!token) return null;
  try {
    const claims = decodeJwt(token);
    if (typeof claims.email !== "string") return null;
    const updateTo = typeof claims.updateTo === "string" ? claims.updateTo : null;
    const kind =
      claims.requestType === "change-email-confirmation"
        ? "change-approve"
        : claims.requestType === "change-email-verification"
          ? "change-confirm"
          : "verify";
    return { email: claims.email, updateTo, kind };
  } catch {
    return null;
  }
}

/** A reset or invitation link, checked without using it (the auth server's GET /password-link). */
export type PasswordLinkStatus = "valid" | "expired" | "invalid";

export async function passwordLinkStatus(token: string): Promise<PasswordLinkStatus> {
  const res = unwrap(
    await authClient.$fetch<{ status: PasswordLinkStatus }>("/password-link", { method: "GET", query: { token } }),
  );
  return res.status;
}

/**
 * Sends a verification mail to `email` the way anyone may ask for one (no session: better-auth's
 * enumeration-safe path), also when this browser is signed in as someone else.
 */
export async function resendVerification(email: string): Promise<void> {
  unwrap(await authClient.sendVerificationEmail({ email }, { credentials: "omit" }));
}

const CHANNEL = "gatehouse-auth";
export type AuthSignal = { type: "signed-in" } | { type: "email-changed"; email: string };

/** Tells this browser's other tabs (the one waiting on "Check your inbox") what just happened. */
export function announce(signal: AuthSignal): void {
  if (typeof BroadcastChannel === "undefined") return;
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage(signal);
  channel.close();
}

/** Listens to other tabs' announcements; returns the unsubscribe. */
export function onAnnouncement(listener: (signal: AuthSignal) => void): () => void {
  if (typeof BroadcastChannel === "undefined") return () => {};
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e: MessageEvent<AuthSignal>) => listener(e.data);
  return () => channel.close();
}
