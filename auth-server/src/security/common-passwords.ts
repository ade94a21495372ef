import { readFileSync } from "node:fs";
import { normalizePassword } from "../password.js";
import { packageFile } from "../paths.js";

/** Shipped list (data/common-passwords.txt): the 10,000 most common passwords, lower-cased. */
const LIST_PATH = packageFile("data", "common-passwords.txt");

let cache: Set<string> | null = null;

function load(): Set<string> {
  cache ??= new Set(
    readFileSync(LIST_PATH, "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#")),
  );
  return cache;
}

/**
 * True when the password is one of the 10,000 most common (compared in NFKC as it is hashed,
 * case-insensitive, surrounding whitespace ignored): the first guesses of any credential-stuffing run, refused on sign-up,
 * change and reset as NIST SP 800-63B asks.
 */
export function isCommonPassword(password: string): boolean {
  return load().has(normalizePassword(password).trim().toLowerCase());
}

/** Number of entries, for tests and `doctor`. */
export function commonPasswordCount(): number {
  return load().size;
}
