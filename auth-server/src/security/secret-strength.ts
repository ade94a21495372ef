import { isIP } from "node:net";
import { PLACEHOLDER_SECRETS } from "../contract.gen.js";

/**
 * What production refuses (issue 12 item 17); the backend applies the same rules
 * (backend/app/core/secret_strength.py), so both services refuse the same configuration.
 *
 * A BETTER_AUTH_SECRET that is one of the contract's placeholders (`.env.example`'s included,
 * compared case-insensitively), shorter than 32 characters (better-auth's minimum), one unit
 * repeated (`aaaa…`, `abcabc…`), or under 96 bits by better-auth's own estimate (length × log2 of the
 * distinct characters): 32 random hex digits estimate ≥ 96 with overwhelming probability,
 * `abababab…` estimates 32. better-auth itself only warns below 120.
 */
export const MIN_SECRET_LENGTH = 32;
export const MIN_SECRET_ENTROPY_BITS = 96;

const PLACEHOLDERS = new Set(PLACEHOLDER_SECRETS.map((s) => s.toLowerCase()));

/** Why `secret` must not be used in production, or null if it may. */
export function weakSecretReason(secret: string): string | null {
  if (PLACEHOLDERS.has(secret.toLowerCase()))
    return "is a placeholder from the examples; generate one with `openssl rand -base64 32`";
  if (secret.length < MIN_SECRET_LENGTH) return `is shorter than ${MIN_SECRET_LENGTH} characters`;
  // Equal to one of its own rotations: a shorter unit repeated.
  if ((secret + secret).slice(1, -1).includes(secret)) return "is one short unit repeated";
  const distinct = new Set(secret).size;
  if (secret.length * Math.log2(distinct) < MIN_SECRET_ENTROPY_BITS)
    return `has too little entropy (under ${MIN_SECRET_ENTROPY_BITS} bits estimated)`;
  return null;
}

/** `localhost` (and its subdomains) or a loopback address: traffic never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  return host === "::1";
}

/**
 * Whether `url` is plain http:// to anything but loopback. Such a BETTER_AUTH_URL makes
 * better-auth drop `Secure` from its cookies; a FRONTEND_URL puts reset and verification tokens
 * on the wire in clear; a trusted origin could be impersonated by anyone on the path.
 */
export function isInsecureUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname);
  } catch {
    return false; // not a URL: the schema reports it
  }
}
