import { randomBytes, scrypt as scryptCb, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import { Algorithm, hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";

const scrypt = promisify(scryptCb) as (
  password: string,
  salt: string,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** OWASP Password Storage Cheat Sheet minimum for argon2id: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_PARAMS = {
  algorithm: Algorithm.Argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Parameters of stock better-auth's scrypt hashes (`@better-auth/utils/password`). */
const LEGACY_SCRYPT = { N: 16_384, r: 16, p: 1, dkLen: 64 } as const;
const LEGACY_FORMAT = /^[0-9a-f]{32}:[0-9a-f]{128}$/;

/**
 * The form every password is hashed and verified in: Unicode NFKC, as stock better-auth does for
 * its scrypt hashes (`@better-auth/utils/password`) and as NIST SP 800-63B §5.1.1.2 asks, so the same
 * password typed as composed or decomposed characters, or with full-width digits, is one password.
 */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

/** Hashes a password (NFKC-normalised) with argon2id; the PHC string carries salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(normalizePassword(password), ARGON2_PARAMS);
}

/** True when a stored hash is in stock better-auth's scrypt `salt:key` form. */
export function isLegacyHash(hash: string): boolean {
  return LEGACY_FORMAT.test(hash);
}

/** Hashes in stock better-auth's scrypt format; used by tests and the benchmark baseline only. */
export async function hashLegacyScrypt(password: string): Promise<string> {
  const salt = randomBytes(16).toString("hex");
  const key = await deriveLegacy(password, salt);
  return `${salt}:${key.toString("hex")}`;
}

function deriveLegacy(password: string, salt: string): Promise<Buffer> {
  const { N, r, p, dkLen } = LEGACY_SCRYPT;
  return scrypt(normalizePassword(password), salt, dkLen, { N, r, p, maxmem: 128 * N * r * 2 });
}

async function verifyArgon2(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2Verify(hash, password);
  } catch {
    // A malformed stored hash is a failed sign-in, not a server error.
    return false;
  }
}

async function verifyLegacy(hash: string, password: string): Promise<boolean> {
  const [salt, keyHex] = hash.split(":") as [string, string];
  const expected = Buffer.from(keyHex, "hex");
  const actual = await deriveLegacy(password, salt);
  // Stock better-auth compares hex strings with ===; a constant-time compare leaks nothing.
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The shape better-auth's `emailAndPassword.password` option takes. */
export interface PasswordHasher {
  hash: (password: string) => Promise<string>;
  verify: (data: { hash: string; password: string }) => Promise<boolean>;
}

/** Called after a legacy hash verified, to store the argon2id replacement. */
export type RehashHook = (oldHash: string, newHash: string) => Promise<void>;

/**
 * better-auth's `emailAndPassword.password` pair, NFKC on every path (`normalizePassword`).
 * Verification accepts argon2id and stock scrypt hashes. A stock scrypt hash that verifies, and an
 * argon2id hash made from a password before Gatehouse normalised them (it verifies only in the
 * form typed, not in NFKC), are replaced through `onRehash` by argon2id of the NFKC form, so old
 * accounts upgrade on their next sign-in without a reset and then accept every form.
 *
 * Timing: a password that NFKC changes may need two argon2 verifications (NFKC form, then the form
 * typed); `hash` then spends the same second computation, so the dummy hash better-auth runs for
 * an unknown email costs what a wrong password on a real account costs.
 */
export function createPasswordHasher(onRehash: RehashHook): PasswordHasher {
  return {
    async hash(password) {
      const hashed = await hashPassword(password);
      // One after the other, as verify's two would run.
      if (normalizePassword(password) !== password) await argon2Hash(password, ARGON2_PARAMS);
      return hashed;
    },
    async verify({ hash, password }) {
      const normalized = normalizePassword(password);
      if (isLegacyHash(hash)) {
        const ok = await verifyLegacy(hash, password);
        if (ok) await onRehash(hash, await hashPassword(normalized));
        return ok;
      }
      if (await verifyArgon2(hash, normalized)) return true;
      if (normalized === password || !(await verifyArgon2(hash, password))) return false;
      await onRehash(hash, await hashPassword(normalized));
      return true;
    },
  };
}
