import { APIError } from "better-auth/api";
import { ErrorCode } from "../../contract.gen.js";

/**
 * Authentication Method Reference values (RFC 8176 §2) a Gatehouse session can carry, and the
 * rules that combine them. Stored on the session row as one space-separated string (`amr`), the
 * same order every time, so both services parse it alike; the JWT carries it as an array.
 */
export const Amr = {
  /** Password-based authentication. */
  PWD: "pwd",
  /** One-time password: a TOTP code (RFC 6238) or a single-use backup code. */
  OTP: "otp",
  /** Proof of possession of a hardware-secured key (a passkey bound to one device). */
  HWK: "hwk",
  /** Proof of possession of a software-secured key (a synced passkey). */
  SWK: "swk",
  /** Multiple-factor authentication (RFC 8176: "when multiple factors are used"). */
  MFA: "mfa",
} as const;
export type AmrValue = (typeof Amr)[keyof typeof Amr];

const ORDER: readonly AmrValue[] = [Amr.PWD, Amr.OTP, Amr.HWK, Amr.SWK, Amr.MFA];

/** Factor category of each method (NIST SP 800-63B §5.1): two categories make `mfa`. */
const CATEGORY: Partial<Record<AmrValue, "know" | "have">> = {
  pwd: "know",
  otp: "have",
  hwk: "have",
  swk: "have",
};

/** Parses a stored `amr` string (space- or comma-separated) into known values, in canonical order. */
export function parseAmr(stored: unknown): AmrValue[] {
  if (typeof stored !== "string") return [];
  const seen = new Set(stored.split(/[\s,]+/));
  return ORDER.filter((v) => seen.has(v));
}

/**
 * The ADMIN_REQUIRE_MFA rule, for better-auth's /admin/* endpoints (plugins/mfa) and the internal
 * admin API (plugins/internal-admin) alike: 403 MFA_REQUIRED unless the session's stored `amr`
 * holds `mfa` (RFC 8176).
 */
export function requireSecondFactor(storedAmr: unknown): void {
  if (!parseAmr(storedAmr).includes(Amr.MFA))
    throw new APIError("FORBIDDEN", {
      code: ErrorCode.MFA_REQUIRED,
      message: "Administration needs a session signed in with a second factor.",
    });
}

/** The stored form: canonical order, space-separated. */
export function formatAmr(values: Iterable<AmrValue>): string {
  const seen = new Set(values);
  return ORDER.filter((v) => seen.has(v)).join(" ");
}

/**
 * The union of `held` and `added`, with `mfa` present when the methods span two factor
 * categories (something known and something held) or `userVerified` says the authenticator
 * itself checked a PIN or biometric (WebAuthn UV flag: possession plus that check is two factors).
 */
export function combineAmr(held: Iterable<AmrValue>, added: Iterable<AmrValue>, userVerified = false): AmrValue[] {
  const all = new Set<AmrValue>([...held, ...added]);
  const categories = new Set([...all].map((v) => CATEGORY[v]).filter(Boolean));
  if (categories.size >= 2 || userVerified) all.add(Amr.MFA);
  return ORDER.filter((v) => all.has(v));
}

/** WebAuthn authenticator data flags (WebAuthn Level 2 §6.1): byte 32, bit 2 = user verified. */
const FLAGS_OFFSET = 32;
const UV_BIT = 0x04;

/** Whether base64url `authenticatorData` has the UV flag set; false when it cannot be read. */
export function userVerifiedFlag(authenticatorData: unknown): boolean {
  if (typeof authenticatorData !== "string") return false;
  try {
    const bytes = Buffer.from(authenticatorData, "base64url");
    return bytes.length > FLAGS_OFFSET && ((bytes[FLAGS_OFFSET] ?? 0) & UV_BIT) !== 0;
  } catch {
    return false;
  }
}
