import { hashPassword as stockHash } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { ARGON2_PARAMS, createPasswordHasher, hashLegacyScrypt, hashPassword, isLegacyHash } from "./password.js";

describe("password hashing", () => {
  it("hashes with argon2id m=19456 t=2 p=1 and a fresh salt each time", async () => {
    const [a, b] = await Promise.all([hashPassword("same password"), hashPassword("same password")]);
    expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(a).not.toBe(b);
  });

  it("verifies argon2id and refuses wrong or malformed input without throwing", async () => {
    const h = createPasswordHasher(async () => {});
    const hash = await h.hash("right password");
    expect(await h.verify({ hash, password: "right password" })).toBe(true);
    expect(await h.verify({ hash, password: "wrong password" })).toBe(false);
    expect(await h.verify({ hash: "$argon2id$garbage", password: "x" })).toBe(false);
    expect(await h.verify({ hash: "", password: "x" })).toBe(false);
  });

  it("verifies stock better-auth scrypt hashes and asks for a rehash only on success", async () => {
    const rehashed: Array<[string, string]> = [];
    const h = createPasswordHasher(async (oldHash, newHash) => {
      rehashed.push([oldHash, newHash]);
    });
    const legacy = await stockHash("old password");
    expect(isLegacyHash(legacy)).toBe(true);
    expect(await h.verify({ hash: legacy, password: "not it" })).toBe(false);
    expect(rehashed).toHaveLength(0);
    expect(await h.verify({ hash: legacy, password: "old password" })).toBe(true);
    expect(rehashed).toHaveLength(1);
    expect(rehashed[0]?.[0]).toBe(legacy);
    expect(await h.verify({ hash: rehashed[0]?.[1] as string, password: "old password" })).toBe(true);
  });

  it("produces the same scrypt format as stock better-auth", async () => {
    const mine = await hashLegacyScrypt("pw");
    expect(isLegacyHash(mine)).toBe(true);
    const h = createPasswordHasher(async () => {});
    expect(await h.verify({ hash: mine, password: "pw" })).toBe(true);
  });
});

describe("Unicode normalisation (NFKC, as stock better-auth's scrypt)", () => {
  const NFC = "Crème-brûlée-Ünïcode-42";
  const NFD = NFC.normalize("NFD");
  const WIDE = "Crème-brûlée-Ünïcode-４２"; // full-width digits: NFKC maps them to ASCII

  it("accepts every form of the password against a hash of any form", async () => {
    expect(NFD).not.toBe(NFC);
    const h = createPasswordHasher(async () => {});
    for (const stored of [NFC, NFD, WIDE]) {
      const hash = await h.hash(stored);
      for (const typed of [NFC, NFD, WIDE]) expect(await h.verify({ hash, password: typed })).toBe(true);
      expect(await h.verify({ hash, password: "Creme-brulee-Unicode-42" })).toBe(false);
    }
  });

  it("upgrades a stock scrypt hash to argon2id of the NFKC form, whichever form signed in", async () => {
    const rehashed: string[] = [];
    const h = createPasswordHasher(async (_old, next) => {
      rehashed.push(next);
    });
    const legacy = await stockHash(NFC);
    expect(await h.verify({ hash: legacy, password: NFD })).toBe(true);
    const upgraded = rehashed[0] as string;
    for (const typed of [NFC, NFD, WIDE]) expect(await h.verify({ hash: upgraded, password: typed })).toBe(true);
  });

  it("accepts an argon2id hash made before normalisation in the form typed, and rehashes it", async () => {
    const rehashed: Array<[string, string]> = [];
    const h = createPasswordHasher(async (old, next) => {
      rehashed.push([old, next]);
    });
    const { hash: argon2 } = await import("@node-rs/argon2");
    const raw = await argon2(NFD, ARGON2_PARAMS); // what an earlier Gatehouse stored
    expect(await h.verify({ hash: raw, password: NFC })).toBe(false);
    expect(rehashed).toHaveLength(0);
    expect(await h.verify({ hash: raw, password: NFD })).toBe(true);
    expect(rehashed).toHaveLength(1);
    expect(await h.verify({ hash: rehashed[0]?.[1] as string, password: NFC })).toBe(true);
  });
});
