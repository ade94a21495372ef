import { hashPassword as stockBetterAuthHash } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

describe.each(DB_KINDS)("accounts hashed by stock better-auth on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });

  const storedHash = async (userId: string): Promise<string> =>
    (
      await s.gh.database.db
        .selectFrom("accounts")
        .select("password")
        .where("user_id", "=", userId)
        .where("provider_id", "=", "credential")
        .executeTakeFirstOrThrow()
    ).password as string;

  it("stores new passwords as argon2id with the OWASP parameters", async () => {
    const { userId } = await signUpVerified(s, "fresh@example.com");
    expect(await storedHash(userId)).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  });

  it("signs in with a stock scrypt hash and replaces it with argon2id", async () => {
    const { userId } = await signUpVerified(s, "legacy@example.com");
    const legacy = await stockBetterAuthHash(STRONG_PASSWORD);
    expect(legacy).toMatch(/^[0-9a-f]{32}:[0-9a-f]{128}$/);
    await s.gh.database.db.updateTable("accounts").set({ password: legacy }).where("user_id", "=", userId).execute();

    const wrong = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "legacy@example.com", password: "wrong password!" },
    });
    expect(wrong.status).toBe(401);
    expect(await storedHash(userId)).toBe(legacy);

    const ok = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "legacy@example.com", password: STRONG_PASSWORD },
    });
    expect(ok.status).toBe(200);
    const upgraded = await storedHash(userId);
    expect(upgraded).toMatch(/^\$argon2id\$/);

    const again = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email: "legacy@example.com", password: STRONG_PASSWORD },
    });
    expect(again.status).toBe(200);
  });
});
