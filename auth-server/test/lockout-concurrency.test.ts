import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_LOCKOUT } from "../src/plugins/lockout/index.js";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";

const WRONG = "not the right passphrase";

/**
 * Issue 12 #6: the per-account lockout must hold under concurrency. Each burst is sent at once
 * (Promise.all); the assertions count answers and password-hash evaluations, not time. The clock
 * (Date only; timers stay real) stands still during each test, so a burst that takes longer than a
 * 1 s delay on a busy machine is still judged within one delay window.
 */
describe.each(DB_KINDS)("lockout under concurrency on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind);
  });
  afterAll(async () => {
    await s.close();
  });
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date());
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const signIn = (email: string, password: string) =>
    s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password } });
  const burst = async (n: number, send: (i: number) => Promise<Response>) => {
    const hashesBefore = s.hashCalls();
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
    const statuses = answers.map((r) => r.status);
    await Promise.all(answers.map((r) => r.arrayBuffer()));
    return {
      statuses,
      hashed: s.hashCalls() - hashesBefore,
      count: (st: number) => statuses.filter((x) => x === st).length,
    };
  };
  const failuresOf = async (email: string) =>
    (await s.gh.database.db
      .selectFrom("auth_login_failures")
      .select(["failures", "locked_until"])
      .where("email", "=", email)
      .executeTakeFirst()) ?? null;

  it("evaluates only the free attempts of a burst of 40 parallel wrong guesses", async () => {
    const email = "burst40@example.com";
    await signUpVerified(s, email);
    const b = await burst(40, () => signIn(email, WRONG));
    expect(b.count(401)).toBe(DEFAULT_LOCKOUT.freeAttempts);
    expect(b.count(429)).toBe(40 - DEFAULT_LOCKOUT.freeAttempts);
    expect(b.hashed).toBe(DEFAULT_LOCKOUT.freeAttempts);
    expect(Number((await failuresOf(email))?.failures)).toBe(DEFAULT_LOCKOUT.freeAttempts);
  });

  it("treats an unknown email's burst the same way (no account revealed)", async () => {
    const b = await burst(40, () => signIn("nobody-burst@example.com", WRONG));
    expect(b.count(401)).toBe(DEFAULT_LOCKOUT.freeAttempts);
    expect(b.count(429)).toBe(40 - DEFAULT_LOCKOUT.freeAttempts);
    expect(b.hashed).toBe(DEFAULT_LOCKOUT.freeAttempts);
  });

  it("lets nothing through a throttled account: a burst of 30 with the right password among them", async () => {
    const email = "throttled@example.com";
    await signUpVerified(s, email);
    for (let i = 0; i < DEFAULT_LOCKOUT.freeAttempts; i++) expect((await signIn(email, WRONG)).status).toBe(401);
    const b = await burst(30, (i) => signIn(email, i % 3 === 0 ? STRONG_PASSWORD : WRONG));
    expect(b.count(200)).toBe(0);
    expect(b.count(429)).toBe(30);
    expect(b.hashed).toBe(0);
  });

  it("evaluates exactly one attempt of a burst once the delay has run out", async () => {
    const email = "expired-lock@example.com";
    await signUpVerified(s, email);
    for (let i = 0; i < DEFAULT_LOCKOUT.freeAttempts; i++) await signIn(email, WRONG);
    await s.gh.database.db
      .updateTable("auth_login_failures")
      .set({
        locked_until: kind === "sqlite" ? new Date(Date.now() - 1000).toISOString() : new Date(Date.now() - 1000),
      })
      .where("email", "=", email)
      .execute();
    const b = await burst(30, () => signIn(email, WRONG));
    expect(b.count(401)).toBe(1);
    expect(b.count(429)).toBe(29);
    expect(b.hashed).toBe(1);
  });

  it("lets every one of 15 parallel sign-ins with the right password in (they wait, not fail)", async () => {
    const email = "many-devices@example.com";
    await signUpVerified(s, email);
    const b = await burst(15, () => signIn(email, STRONG_PASSWORD));
    expect(b.count(200)).toBe(15);
    expect(await failuresOf(email)).toBeNull();
  });

  it("counts wrong current passwords on change-password toward the same lockout", async () => {
    const email = "changer-lock@example.com";
    const { token } = await signUpVerified(s, email);
    const change = (currentPassword: string) =>
      s.call("/api/auth/change-password", {
        method: "POST",
        headers: { Authorization: `Bearer ${token}` },
        json: { currentPassword, newPassword: "an entirely new passphrase" },
      });
    const b = await burst(20, () => change(WRONG));
    expect(b.count(400)).toBe(DEFAULT_LOCKOUT.freeAttempts);
    expect(b.count(429)).toBe(20 - DEFAULT_LOCKOUT.freeAttempts);
    // The account is now throttled for sign-in as well, and for the right current password.
    expect((await signIn(email, STRONG_PASSWORD)).status).toBe(429);
    expect((await change(STRONG_PASSWORD)).status).toBe(429);
  });

  it("ends the streak on a right password also when sign-in is refused after it (EMAIL_NOT_VERIFIED)", async () => {
    const email = "unverified-lock@example.com";
    await s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD, name: "u" },
    });
    // Right password, unverified: EMAIL_NOT_VERIFIED comes only after the password matched.
    await signIn(email, WRONG);
    const right = await signIn(email, STRONG_PASSWORD);
    expect(right.status).toBe(403);
    expect(await failuresOf(email)).toBeNull();
  });
});
