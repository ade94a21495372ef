import { createHmac } from "node:crypto";

/** Marks a stored entry as a digest, so re-encoding an already hashed list leaves it alone. */
const PREFIX = "hmac-sha256:";

/**
 * Backup codes stored as digests (OWASP ASVS 2.6.2: recovery codes stored hashed), through
 * better-auth two-factor's `backupCodeOptions.storeBackupCodes` hooks. better-auth hands every
 * list it stores to `encrypt` (new plaintext codes, or the remaining digests after one was used)
 * and compares a submitted code with `includes`, so the code in the request body is replaced by
 * its digest before the endpoint runs (`digestOf`, used by the plugin's before hook).
 * HMAC keyed with the server secret: ten random 10-character codes (~59 bits each) need no
 * slow hash, and without the secret a stolen table tells nothing.
 */
export function hashedBackupCodes(secret: string) {
  /** The digest of a submitted code: always hashed, so a stolen digest is not a code. */
  const digestOf = (code: string): string =>
    PREFIX + createHmac("sha256", secret).update(code.trim()).digest("base64url");
  const stored = (entry: string): string => (entry.startsWith(PREFIX) ? entry : digestOf(entry));
  return {
    digestOf,
    storeBackupCodes: {
      encrypt: async (json: string): Promise<string> => {
        const codes = JSON.parse(json) as unknown;
        if (!Array.isArray(codes)) throw new Error("backup codes must be a list");
        return JSON.stringify(codes.map((c) => stored(String(c))));
      },
      decrypt: async (stored: string): Promise<string> => stored,
    },
  };
}
