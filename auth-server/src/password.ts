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

/** Hashes a password with argon2id; the PHC string carries salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_PARAMS);
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
  return scrypt(password.normalize("NFKC"), salt, dkLen, { N, r, p, maxmem: 128 * N * r * 2 });
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
 * better-auth's `emailAndPassword.password` pair. Verification accepts argon2id and stock scrypt
 * hashes; a scrypt hash that verifies is replaced by argon2id through `onRehash`, so old accounts
 * upgrade on their next sign-in without a reset.
 */
export function createPasswordHasher(onRehash: RehashHook): PasswordHasher {
  return {
    hash: hashPassword,
    async verify({ hash, password }) {
      if (isLegacyHash(hash)) {
        const ok = await verifyLegacy(hash, password);
        if (ok) await onRehash(hash, await hashPassword(password));
        return ok;
      }
      try {
        return await argon2Verify(hash, password);
      } catch {
        // A malformed stored hash is a failed sign-in, not a server error.
        return false;
      }
    },
  };
}
