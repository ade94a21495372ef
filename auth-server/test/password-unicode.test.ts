import { hashPassword as stockBetterAuthHash } from "better-auth/crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, signUpVerified, startTestServer, type TestServer, tokenFromOutbox } from "./harness.js";

const NFC = "Crème-brûlée-Ünïcode-42";
const NFD = NFC.normalize("NFD");
const WIDE = "Crème-brûlée-Ünïcode-４２";
const ADMIN = "unicode-admin@example.com";

/**
 * Issue 12 #3: a password is one password in every Unicode form (NFKC, as stock better-auth's
 * scrypt), on every path that sets or checks one.
 */
describe.each(DB_KINDS)("Unicode passwords on %s", (kind) => {
  let s: TestServer;
  let admin: string;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: ADMIN });
    admin = (await signUpVerified(s, ADMIN)).token;
  });
  afterAll(async () => {
    await s.close();
  });

  const signIn = async (email: string, password: string) =>
    (await s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password } })).status;
  const everyForm = async (email: string) => [
    await signIn(email, NFC),
    await signIn(email, NFD),
    await signIn(email, WIDE),
  ];
  const storedHash = async (userId: string) =>
    (
      await s.gh.database.db
        .selectFrom("accounts")
        .select("password")
        .where("user_id", "=", userId)
        .where("provider_id", "=", "credential")
        .executeTakeFirstOrThrow()
    ).password as string;

  it("sign-up in NFC, sign-in in NFD and with full-width digits", async () => {
    const email = "nfc-up@example.com";
    await signUpVerified(s, email, NFC);
    expect(await everyForm(email)).toEqual([200, 200, 200]);
    expect(await signIn(email, "Creme-brulee-Unicode-42")).toBe(401);
  });

  it("reset, change and admin set-user-password store the same password in any form", async () => {
    const email = "nfd-paths@example.com";
    const { token, userId } = await signUpVerified(s, email, NFD);
    expect(await everyForm(email)).toEqual([200, 200, 200]);

    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    const reset = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: tokenFromOutbox(s.outbox, email, "/reset-password"), newPassword: `${NFD}-reset` },
    });
    expect(reset.status).toBe(200);
    expect(await signIn(email, `${NFC}-reset`)).toBe(200);

    const fresh = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: `${NFC}-reset` },
    });
    const bearer = fresh.headers.get("set-auth-token") as string;
    const change = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${bearer}` },
      json: { currentPassword: `${NFD}-reset`, newPassword: `${WIDE}-changed` },
    });
    expect(change.status).toBe(200);
    expect(await signIn(email, `${NFD}-changed`)).toBe(200);

    const set = await s.call("/api/auth/admin/set-user-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}` },
      json: { userId, newPassword: `${NFD}-admin` },
    });
    expect(set.status).toBe(200);
    expect(await signIn(email, `${WIDE}-admin`)).toBe(200);
    expect(token).toBeTruthy();
  });

  it("a stock scrypt account signing in once in NFD keeps accepting its original form", async () => {
    const email = "legacy-unicode@example.com";
    const { userId } = await signUpVerified(s, email);
    const legacy = await stockBetterAuthHash(NFC);
    await s.gh.database.db.updateTable("accounts").set({ password: legacy }).where("user_id", "=", userId).execute();
    expect(await signIn(email, NFD)).toBe(200);
    expect(await storedHash(userId)).toMatch(/^\$argon2id\$/);
    expect(await everyForm(email)).toEqual([200, 200, 200]);
  });

  it("an argon2id hash stored before normalisation still signs in, and is upgraded", async () => {
    const email = "pre-nfkc@example.com";
    const { userId } = await signUpVerified(s, email);
    const { hash: argon2, Algorithm } = await import("@node-rs/argon2");
    const old = await argon2(NFD, { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 });
    await s.gh.database.db.updateTable("accounts").set({ password: old }).where("user_id", "=", userId).execute();
    expect(await signIn(email, NFD)).toBe(200);
    expect(await storedHash(userId)).not.toBe(old);
    expect(await everyForm(email)).toEqual([200, 200, 200]);
  });
});
