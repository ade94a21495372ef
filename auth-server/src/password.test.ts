import { hashPassword as stockHash } from "better-auth/crypto";
import { describe, expect, it } from "vitest";
import { createPasswordHasher, hashLegacyScrypt, hashPassword, isLegacyHash } from "./password.js";

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
