import { decodeJwt } from "jose";
import { generateSync } from "otplib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeStepKey } from "../src/plugins/lockout/index.js";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";
import { eventually } from "./support/gatehouse-on.js";

/** The base32 secret in a TOTP URI (otpauth://totp/…?secret=…). */
const secretOf = (uri: string): string => new URL(uri).searchParams.get("secret") as string;
/** A TOTP code computed by otplib (RFC 6238), `stepOffset` periods from now (better-auth accepts ±1). */
const totp = (secret: string, stepOffset = 0): string =>
  generateSync({ secret, epoch: Math.floor(Date.now() / 1000) + stepOffset * 30 });

/** Cookies of `base` overridden by those `res` sets (a session re-issued, a challenge cookie). */
function mergeCookies(base: string, res: Response): string {
  const jar = new Map(
    base
      .split("; ")
      .filter(Boolean)
      .map((c) => [c.split("=")[0], c] as const),
  );
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(";")[0] as string;
    const name = pair.split("=")[0] as string;
    if (pair.endsWith("=")) jar.delete(name);
    else jar.set(name, pair);
  }
  return [...jar.values()].join("; ");
}

describe.each(DB_KINDS)("second factors on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "boss@example.com" });
  });
  afterAll(async () => {
    await s.close();
  });

  const post = (path: string, json: unknown, cookie = "") =>
    s.call(`/api/auth${path}`, { method: "POST", json, headers: cookie ? { Cookie: cookie } : {} });
  /** Audit rows are written in the background: wait (bounded) until every `wanted` row is there. */
  const expectEvents = async (userId: string, wanted: string[]) => {
    let last: string[] = [];
    await eventually(
      async () => {
        last = await events(userId);
        return wanted.every((w) => last.includes(w));
      },
      10_000,
      `audit rows ${wanted.join(", ")}`,
    ).catch(() => expect(last).toEqual(expect.arrayContaining(wanted)));
  };
  /** Waits (bounded) until `userId` has exactly `n` audit rows `row`. */
  const expectEventCount = async (userId: string, row: string, n: number) => {
    let seen = 0;
    await eventually(
      async () => {
        seen = (await events(userId)).filter((e) => e === row).length;
        return seen === n;
      },
      10_000,
      `${n} audit rows ${row}`,
    ).catch(() => expect(seen).toBe(n));
  };
  const events = async (userId: string) =>
    (await s.gh.database.db.selectFrom("auth_events").selectAll().where("user_id", "=", userId).execute()).map(
      (r) => `${r.type}${r.reason ? `:${r.reason}` : ""}`,
    );
  const failures = async (email: string) =>
    Number(
      (
        await s.gh.database.db
          .selectFrom("auth_login_failures")
          .select("failures")
          .where("email", "=", email)
          .executeTakeFirst()
      )?.failures ?? 0,
    );

  /** Enrols TOTP for a signed-in user; returns the secret, backup codes and the re-issued cookie. */
  async function enrol(cookie: string) {
    const enable = await post("/two-factor/enable", { password: STRONG_PASSWORD }, cookie);
    expect(enable.status).toBe(200);
    const { totpURI, backupCodes } = (await enable.json()) as { totpURI: string; backupCodes: string[] };
    const secret = secretOf(totpURI);
    const code = totp(secret);
    const confirm = await post("/two-factor/verify-totp", { code }, cookie);
    expect(confirm.status).toBe(200);
    return { secret, backupCodes, code, cookie: mergeCookies(cookie, confirm) };
  }

  /** Password step of a sign-in: expects the two-factor challenge and returns its cookie. */
  async function challenge(email: string): Promise<string> {
    const res = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    expect(res.headers.get("set-auth-token")).toBeNull();
    return cookiesFrom(res);
  }

  it("enrols TOTP, signs in with an otplib code (amr pwd otp mfa), refuses wrong and replayed codes", async () => {
    const email = "tess@example.com";
    const me = await signUpVerified(s, email);
    const { secret, backupCodes, code: enrolCode, cookie } = await enrol(me.cookie);
    expect(backupCodes).toHaveLength(10);
    // Stored as digests: no code appears in the table.
    const row = await s.gh.database.db
      .selectFrom("two_factors")
      .selectAll()
      .where("user_id", "=", me.userId)
      .executeTakeFirstOrThrow();
    for (const c of backupCodes) expect(String(row.backup_codes)).not.toContain(c);
    // Enrolment proved the factor: the re-issued session is multi-factor.
    const session = await (await s.call("/api/auth/get-session", { headers: { Cookie: cookie } })).json();
    expect(session.user.twoFactorEnabled).toBe(true);
    expect(session.session.amr).toBe("pwd otp mfa");

    const c1 = await challenge(email);
    const wrong = await post("/two-factor/verify-totp", { code: enrolCode === "000000" ? "111111" : "000000" }, c1);
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).code).toBe("INVALID_CODE");
    const replayed = await post("/two-factor/verify-totp", { code: enrolCode }, c1);
    expect(replayed.status).toBe(401);

    const next = totp(secret, 1);
    const ok = await post("/two-factor/verify-totp", { code: next }, c1);
    expect(ok.status).toBe(200);
    const signedIn = mergeCookies(c1, ok);
    const tokenRes = await s.call("/api/auth/token", { headers: { Cookie: signedIn } });
    const claims = decodeJwt(((await tokenRes.json()) as { token: string }).token);
    expect(claims.amr).toEqual(["pwd", "otp", "mfa"]);
    expect(Math.abs((claims.auth_time as number) - Date.now() / 1000)).toBeLessThan(60);

    // The same code at a new sign-in is a replay.
    const c2 = await challenge(email);
    expect((await post("/two-factor/verify-totp", { code: next }, c2)).status).toBe(401);

    await expectEvents(me.userId, ["two_factor_enabled:totp", "two_factor_failed:INVALID_CODE", "sign_in:totp"]);
    await expectEvents(me.userId, ["two_factor_failed:CODE_ALREADY_USED"]);
  });

  it("enrols over a Bearer token alike: the confirming code is spent, the answer names the live session, the enrolment is audited", async () => {
    const email = "bearer-enrol@example.com";
    const me = await signUpVerified(s, email);
    const bearer = (path: string, json: unknown) =>
      s.call(`/api/auth${path}`, { method: "POST", json, headers: { Authorization: `Bearer ${me.token}` } });
    const enable = await bearer("/two-factor/enable", { password: STRONG_PASSWORD });
    expect(enable.status).toBe(200);
    const secret = secretOf(((await enable.json()) as { totpURI: string }).totpURI);
    const code = totp(secret);
    const confirmed = await bearer("/two-factor/verify-totp", { code });
    expect(confirmed.status).toBe(200);
    // The enrolment replaced the session: the body names the new, live one, as set-auth-token does.
    const answer = (await confirmed.json()) as { token: string; user: { twoFactorEnabled: boolean } };
    const live = answer.token;
    expect(answer.user.twoFactorEnabled).toBe(true);
    expect(live).not.toBe(me.token.split(".")[0]);
    expect(confirmed.headers.get("set-auth-token")?.split(".")[0]).toBe(live);
    const sessionOf = async (token: string) =>
      (await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${token}` } })).json();
    expect(await sessionOf(live)).toMatchObject({ user: { id: me.userId, twoFactorEnabled: true } });
    expect(await sessionOf(me.token)).toBeNull();
    await expectEvents(me.userId, ["two_factor_enabled:totp"]);
    // The code that confirmed the enrolment cannot sign anyone in within its window.
    const c1 = await challenge(email);
    const replayed = await post("/two-factor/verify-totp", { code }, c1);
    expect(replayed.status).toBe(401);
    await expectEvents(me.userId, ["two_factor_failed:CODE_ALREADY_USED"]);
  });

  it("accepts each backup code once; a password-only JWT says pwd", async () => {
    const email = "bea@example.com";
    const me = await signUpVerified(s, email);
    const jwt = decodeJwt(
      ((await (await s.call("/api/auth/token", { headers: { Cookie: me.cookie } })).json()) as { token: string }).token,
    );
    expect(jwt.amr).toEqual(["pwd"]);
    const { backupCodes } = await enrol(me.cookie);
    const code = backupCodes[3] as string;
    const first = await post("/two-factor/verify-backup-code", { code }, await challenge(email));
    expect(first.status).toBe(200);
    expect(first.headers.get("set-auth-token")).toBeTruthy();
    const again = await post("/two-factor/verify-backup-code", { code }, await challenge(email));
    expect(again.status).toBe(401);
    expect((await again.json()).code).toBe("INVALID_BACKUP_CODE");
    await expectEvents(me.userId, ["sign_in:backup_code", "two_factor_failed:INVALID_BACKUP_CODE"]);
  });

  /** The lockout row of a counter: the password's is the email, the code step's is codeStepKey. */
  const lockoutRow = async (key: string) =>
    (await s.gh.database.db
      .selectFrom("auth_login_failures")
      .select(["failures", "locked_until"])
      .where("email", "=", key)
      .executeTakeFirst()) ?? null;
  /** Sets a counter's lock `ms` from now (in the past when negative), with `failures` counted. */
  const lockFor = async (key: string, ms: number, failures = 6) => {
    const until = new Date(Date.now() + ms);
    await s.gh.database.db
      .insertInto("auth_login_failures")
      .values({
        email: key,
        failures,
        locked_until: kind === "sqlite" ? until.toISOString() : until,
        updated_at: kind === "sqlite" ? new Date().toISOString() : new Date(),
      })
      .onConflict((oc) =>
        oc.column("email").doUpdateSet({ failures, locked_until: kind === "sqlite" ? until.toISOString() : until }),
      )
      .execute();
  };
  const CODE_LOCKED =
    /^Too many wrong verification codes for this account\. Try again in \d+ (second|minute)s?( \d+ seconds?)?\.$/;

  it("counts wrong codes toward the account lockout, and a throttled account cannot try codes", async () => {
    const email = "lou@example.com";
    const me = await signUpVerified(s, email);
    const { secret } = await enrol(me.cookie);
    const c = await challenge(email);
    for (let i = 0; i < 3; i++) expect((await post("/two-factor/verify-totp", { code: "000001" }, c)).status).toBe(401);
    expect(await failures(codeStepKey(email))).toBe(3);
    // A right password passes only to the code step: the code streak goes on.
    const c2 = await challenge(email);
    expect(await failures(codeStepKey(email))).toBe(3);
    await lockFor(codeStepKey(email), 60_000, 3);
    const throttled = await post("/two-factor/verify-totp", { code: totp(secret, 1) }, c2);
    expect(throttled.status).toBe(429);
    // The refusal names what was wrong in this step: the code, not the password.
    const refusal = (await throttled.json()) as { code: string; message: string };
    expect(refusal.code).toBe("RATE_LIMITED");
    expect(refusal.message).toMatch(CODE_LOCKED);
    expect(refusal.message).not.toMatch(/password/i);
    const backup = await post("/two-factor/verify-backup-code", { code: "abcde-fghij" }, c2);
    expect(backup.status).toBe(429);
    expect(((await backup.json()) as { message: string }).message).toMatch(/verification codes/);
    // A locked password step still says password.
    await lockFor(email, 60_000);
    const again = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { message: string }).message).toMatch(/^Too many failed password attempts/);
  });

  it("answers a right password during a code-step lockout with the code step's 429, telling nobody else", async () => {
    const email = "lena@example.com";
    const me = await signUpVerified(s, email);
    await enrol(me.cookie);
    await lockFor(codeStepKey(email), 60_000);
    const before = await lockoutRow(codeStepKey(email));
    const right = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(right.status).toBe(429);
    const body = (await right.json()) as { code: string; message: string };
    expect(body.code).toBe("RATE_LIMITED");
    expect(body.message).toMatch(CODE_LOCKED);
    const retryAfter = Number(right.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // No challenge is handed out: no session, and the two-factor cookie is expired if set at all.
    expect(right.headers.get("set-auth-token")).toBeNull();
    for (const line of right.headers.getSetCookie()) expect(line).toMatch(/^[^=]*=;|Max-Age=0/i);
    const challenges = await s.gh.database.db
      .selectFrom("verifications")
      .select("identifier")
      .where("value", "=", me.userId)
      .where("identifier", "like", "2fa-%")
      .execute();
    expect(challenges).toEqual([]);
    // The password step neither restarts nor extends the code step's wait.
    expect(await lockoutRow(codeStepKey(email))).toEqual(before);
    // Without the password, the answer is the one any account gives a wrong password.
    const wrong = await post("/sign-in/email", { email, password: "not the password at all" });
    const unknown = await post("/sign-in/email", { email: "nobody-lena@example.com", password: "not the password" });
    expect(wrong.status).toBe(401);
    expect([wrong.status, await wrong.json()]).toEqual([unknown.status, await unknown.json()]);
    expect(await lockoutRow(codeStepKey(email))).toEqual(before);
  });

  it("answers a right password with the code step's 429 while better-auth's own two-factor lock holds too", async () => {
    const email = "lotte@example.com";
    const me = await signUpVerified(s, email);
    await enrol(me.cookie);
    // better-auth two-factor's accountLockout (10 failed codes: 15 minutes), as its endpoint sets it.
    const until = new Date(Date.now() + 15 * 60_000);
    await s.gh.database.db
      .updateTable("two_factors")
      .set({ locked_until: kind === "sqlite" ? until.toISOString() : until })
      .where("user_id", "=", me.userId)
      .execute();
    const right = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(right.status).toBe(429);
    expect(((await right.json()) as { message: string }).message).toMatch(CODE_LOCKED);
    expect(Number(right.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
  });

  it("lets a right password after the code step's wait through to a code that is accepted (the wait is not restarted)", async () => {
    const email = "lars@example.com";
    const me = await signUpVerified(s, email);
    const { secret } = await enrol(me.cookie);
    // Throttled past the free attempts, its last wait just run out.
    await lockFor(codeStepKey(email), -1_000, 7);
    const c = await challenge(email);
    const ok = await post("/two-factor/verify-totp", { code: totp(secret, 1) }, c);
    expect(ok.status).toBe(200);
    expect(await lockoutRow(codeStepKey(email))).toBeNull();
  });

  it("keeps a code the lockout refused usable after the wait; a refused replay is not counted", async () => {
    const email = "liv@example.com";
    const me = await signUpVerified(s, email);
    const { secret, code: enrolCode } = await enrol(me.cookie);
    const c = await challenge(email);
    await lockFor(codeStepKey(email), 60_000, 3);
    const code = totp(secret, 1);
    expect((await post("/two-factor/verify-totp", { code }, c)).status).toBe(429);
    await lockFor(codeStepKey(email), -1_000, 3);
    // A replay is refused before its code is checked: the attempt is given back.
    const replayed = await post("/two-factor/verify-totp", { code: enrolCode }, c);
    expect(replayed.status).toBe(401);
    expect(await failures(codeStepKey(email))).toBe(3);
    const ok = await post("/two-factor/verify-totp", { code }, c);
    expect(ok.status).toBe(200);
  });

  it("throttles a signed-in user's step-up codes on the account's code step: 429 with Retry-After, no mfa, the refused code not spent", async () => {
    const email = "sue@example.com";
    const me = await signUpVerified(s, email);
    const other = cookiesFrom(await post("/sign-in/email", { email, password: STRONG_PASSWORD }));
    const { secret } = await enrol(me.cookie);
    // better-auth counts no failure outside a sign-in; Gatehouse's code step counts every one.
    for (let i = 0; i < 3; i++)
      expect((await post("/two-factor/verify-totp", { code: "000001" }, other)).status).toBe(401);
    expect((await post("/two-factor/verify-backup-code", { code: "abcde-fghij" }, other)).status).toBe(401);
    expect(await failures(codeStepKey(email))).toBe(4);
    expect(await failures(email)).toBe(0);
    await lockFor(codeStepKey(email), 60_000);
    // A refused code is in the account's trail, even one no endpoint would have read (not 6–8 digits)...
    expect((await post("/two-factor/verify-totp", { code: "12345" }, other)).status).toBe(429);
    await expectEventCount(me.userId, "two_factor_failed:RATE_LIMITED", 1);
    const code = totp(secret, 1);
    for (const [path, json] of [
      ["/two-factor/verify-totp", { code }],
      ["/two-factor/verify-backup-code", { code: "abcde-fghij" }],
    ] as const) {
      const res = await post(path, json, other);
      expect(res.status, path).toBe(429);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("RATE_LIMITED");
      expect(body.message).toMatch(CODE_LOCKED);
      const retryAfter = Number(res.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
    }
    const locked = await (await s.call("/api/auth/get-session", { headers: { Cookie: other } })).json();
    expect(locked.session.amr).toBe("pwd");
    expect((await post("/two-factor/verify-backup-code", { code: 5 }, other)).status).toBe(429);
    // After the wait the code the lockout refused is still good, and its acceptance ends the streak.
    await lockFor(codeStepKey(email), -1_000);
    const ok = await post("/two-factor/verify-totp", { code }, other);
    expect(ok.status).toBe(200);
    expect(await lockoutRow(codeStepKey(email))).toBeNull();
    const stepped = await (await s.call("/api/auth/get-session", { headers: { Cookie: other } })).json();
    expect(stepped.session.amr).toBe("pwd otp mfa");
    // ...but once per lock: retrying while locked did not fill the trail (rows are written in order).
    await expectEvents(me.userId, ["two_factor_verified:totp"]);
    expect((await events(me.userId)).filter((e) => e === "two_factor_failed:RATE_LIMITED")).toHaveLength(1);
  });

  /** better-auth two-factor's own account lock (10 failed codes: 15 minutes), as its endpoint sets it. */
  const lockTwoFactor = async (userId: string, ms: number) => {
    const until = new Date(Date.now() + ms);
    await s.gh.database.db
      .updateTable("two_factors")
      .set({ failed_verification_count: 10, locked_until: kind === "sqlite" ? until.toISOString() : until })
      .where("user_id", "=", userId)
      .execute();
  };
  const twoFactorRow = async (userId: string) =>
    await s.gh.database.db
      .selectFrom("two_factors")
      .select(["failed_verification_count", "locked_until"])
      .where("user_id", "=", userId)
      .executeTakeFirstOrThrow();

  it("answers better-auth's own lock at the code step with RATE_LIMITED and its Retry-After; the code step's counter is not re-armed, the code not spent", async () => {
    const email = "lux@example.com";
    const me = await signUpVerified(s, email);
    const other = cookiesFrom(await post("/sign-in/email", { email, password: STRONG_PASSWORD }));
    const { secret } = await enrol(me.cookie);
    const c = await challenge(email);
    await lockTwoFactor(me.userId, 15 * 60_000);
    // Throttled past the free attempts, its wait just run out: one more reservation would lock it.
    await lockFor(codeStepKey(email), -1_000, 7);
    const before = await lockoutRow(codeStepKey(email));
    const code = totp(secret, 1);
    for (const [path, json, cookie] of [
      ["/two-factor/verify-totp", { code }, c],
      ["/two-factor/verify-backup-code", { code: "abcde-fghij" }, c],
      ["/two-factor/verify-totp", { code }, other],
    ] as const) {
      const res = await post(path, json, cookie);
      expect(res.status, path).toBe(429);
      const body = (await res.json()) as { code: string; message: string };
      expect(body.code).toBe("RATE_LIMITED");
      expect(body.message).toMatch(CODE_LOCKED);
      expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(14 * 60);
      expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(15 * 60);
    }
    expect(await lockoutRow(codeStepKey(email))).toEqual(before);
    // Once the lock is over, the code it refused is still good.
    await lockTwoFactor(me.userId, -1_000);
    expect((await post("/two-factor/verify-totp", { code }, c)).status).toBe(200);
    // The lock's refusals are one row in the trail (the first), under the contract's code.
    await expectEvents(me.userId, ["sign_in:totp"]);
    const rows = await events(me.userId);
    expect(rows.filter((e) => e === "two_factor_failed:RATE_LIMITED")).toHaveLength(1);
    expect(rows).not.toContain("two_factor_failed:ACCOUNT_TEMPORARILY_LOCKED");
  });

  it("ends better-auth's own two-factor lock with a password reset, as it ends Gatehouse's streaks", async () => {
    const email = "rex@example.com";
    const me = await signUpVerified(s, email);
    const { secret } = await enrol(me.cookie);
    await lockTwoFactor(me.userId, 15 * 60_000);
    await lockFor(codeStepKey(email), 60_000);
    const requested = await s.call("/api/auth/request-password-reset", {
      method: "POST",
      json: { email, redirectTo: "http://localhost:5173/reset-password" },
    });
    expect(requested.status).toBe(200);
    let token = "";
    await eventually(
      async () => {
        token = s.outbox.list(email).some((m) => m.text.includes("/reset-password"))
          ? tokenFromOutbox(s.outbox, email, "/reset-password")
          : "";
        return token !== "";
      },
      10_000,
      "the reset mail",
    );
    const newPassword = "a brand new passphrase";
    const reset = await post("/reset-password", { token, newPassword });
    expect(reset.status).toBe(200);
    expect(await twoFactorRow(me.userId)).toMatchObject({ failed_verification_count: 0, locked_until: null });
    expect(await lockoutRow(codeStepKey(email))).toBeNull();
    const signIn = await post("/sign-in/email", { email, password: newPassword });
    expect(signIn.status).toBe(200);
    expect(await signIn.json()).toMatchObject({ twoFactorRedirect: true });
    const ok = await post("/two-factor/verify-totp", { code: totp(secret, 1) }, cookiesFrom(signIn));
    expect(ok.status).toBe(200);
  });

  it("writes no session_revoked row for the password step's half-session or a session an enrolment replaced; the feed still hears of it", async () => {
    const email = "hana@example.com";
    const me = await signUpVerified(s, email);
    const first = await (await s.call("/api/auth/get-session", { headers: { Cookie: me.cookie } })).json();
    const { secret, cookie } = await enrol(me.cookie);
    const c = await challenge(email);
    const ok = await post("/two-factor/verify-totp", { code: totp(secret, 1) }, c);
    expect(ok.status).toBe(200);
    const off = await post("/two-factor/disable", { password: STRONG_PASSWORD }, cookie);
    expect(off.status).toBe(200);
    // A real sign-out of the last session: its row is the last one the steps above leave behind.
    expect((await post("/sign-out", {}, mergeCookies(cookie, off))).status).toBe(200);
    await expectEvents(me.userId, ["two_factor_enabled:totp", "sign_in:totp", "two_factor_disabled", "sign_out"]);
    expect((await events(me.userId)).filter((e) => e.startsWith("session_revoked"))).toEqual([]);
    // The session the enrolment replaced was live: backends learn of its end from the feed.
    const feed = await s.gh.database.db
      .selectFrom("auth_revocations")
      .select("kind")
      .where("session_id", "=", first.session.id)
      .execute();
    expect(feed.map((r) => r.kind)).toContain("session");
  });

  it("does not serve or document email one-time codes (no sender is configured)", async () => {
    const email = "otto@example.com";
    const me = await signUpVerified(s, email);
    await enrol(me.cookie);
    const c = await challenge(email);
    for (const [path, json] of [
      ["/two-factor/send-otp", {}],
      ["/two-factor/verify-otp", { code: "000000" }],
    ] as const) {
      for (const cookie of [c, me.cookie, ""]) {
        const res = await post(path, json, cookie);
        expect(res.status, path).toBe(404);
        expect(await res.json()).toMatchObject({ code: "NOT_FOUND", message: expect.any(String) });
      }
    }
    const doc = (await (await s.call("/api/auth/openapi.json")).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.includes("otp"))).toEqual([
      "/two-factor/get-totp-uri",
      "/two-factor/verify-totp",
    ]);
  });

  it("steps up a password-only session with a code: amr gains otp mfa, auth_time moves, caches are told", async () => {
    const email = "stu@example.com";
    const me = await signUpVerified(s, email);
    const other = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    const otherCookie = cookiesFrom(other);
    const { secret } = await enrol(me.cookie);
    const before = await (await s.call("/api/auth/get-session", { headers: { Cookie: otherCookie } })).json();
    expect(before.session.amr).toBe("pwd");
    const step = await post("/two-factor/verify-totp", { code: totp(secret, 1) }, otherCookie);
    expect(step.status).toBe(200);
    const after = await (await s.call("/api/auth/get-session", { headers: { Cookie: otherCookie } })).json();
    expect(after.session.id).toBe(before.session.id);
    expect(after.session.amr).toBe("pwd otp mfa");
    expect(new Date(after.session.authTime).getTime()).toBeGreaterThan(new Date(before.session.authTime).getTime());
    const feed = await s.gh.database.db
      .selectFrom("auth_revocations")
      .select("kind")
      .where("session_id", "=", before.session.id)
      .execute();
    expect(feed.map((r) => r.kind)).toContain("session_changed");
    await expectEvents(me.userId, ["two_factor_verified:totp"]);
  });

  it("disables with the password; then the password alone signs in", async () => {
    const email = "dan@example.com";
    const me = await signUpVerified(s, email);
    const { cookie } = await enrol(me.cookie);
    expect((await post("/two-factor/disable", { password: "wrong password here" }, cookie)).status).toBe(400);
    const off = await post("/two-factor/disable", { password: STRONG_PASSWORD }, cookie);
    expect(off.status).toBe(200);
    const plain = await post("/sign-in/email", { email, password: STRONG_PASSWORD });
    expect(plain.headers.get("set-auth-token")).toBeTruthy();
    await expectEvents(me.userId, ["two_factor_disabled"]);
  });

  it("lets an admin see and reset a user's second factor (audited, mailed)", async () => {
    const user = await signUpVerified(s, "ria@example.com");
    const { cookie: userCookie } = await enrol(user.cookie);
    const boss = await signUpVerified(s, "boss@example.com");
    const status = await s.call(`/api/auth/admin/second-factor?userId=${user.userId}`, {
      headers: { Cookie: boss.cookie },
    });
    expect(await status.json()).toMatchObject({ totpEnabled: true, backupCodesLeft: 10, passkeys: 0 });
    expect((await post("/admin/reset-second-factor", { userId: boss.userId }, userCookie)).status).toBe(403);
    const reset = await post("/admin/reset-second-factor", { userId: user.userId }, boss.cookie);
    expect(await reset.json()).toMatchObject({ totpEnabled: false, backupCodesLeft: 0 });
    expect(s.outbox.list("ria@example.com").map((m) => m.subject)).toContain("Two-step verification was reset");
    const row = await s.gh.database.db
      .selectFrom("auth_events")
      .selectAll()
      .where("type", "=", "second_factor_reset")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: user.userId, actor_id: boss.userId });
    const plain = await post("/sign-in/email", { email: "ria@example.com", password: STRONG_PASSWORD });
    expect(plain.headers.get("set-auth-token")).toBeTruthy();
  });
});

describe("ADMIN_REQUIRE_MFA=true", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { ADMIN_EMAILS: "root@example.com", ADMIN_REQUIRE_MFA: "true" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("refuses admin routes to a password-only session with MFA_REQUIRED, accepts after a second factor", async () => {
    const boss = await signUpVerified(s, "root@example.com");
    const list = (cookie: string) => s.call("/api/auth/admin/list-users", { headers: { Cookie: cookie } });
    const refused = await list(boss.cookie);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: "MFA_REQUIRED" });
    const enable = await s.call("/api/auth/two-factor/enable", {
      method: "POST",
      json: { password: STRONG_PASSWORD },
      headers: { Cookie: boss.cookie },
    });
    const secret = secretOf(((await enable.json()) as { totpURI: string }).totpURI);
    const confirm = await s.call("/api/auth/two-factor/verify-totp", {
      method: "POST",
      json: { code: totp(secret) },
      headers: { Cookie: boss.cookie },
    });
    expect((await list(mergeCookies(boss.cookie, confirm))).status).toBe(200);
  });

  it("refuses a password-only session presented as a Bearer token too, on every admin route (signed, encoded, raw)", async () => {
    const boss = await signUpVerified(s, "root-bearer@example.com");
    await s.gh.database.db.updateTable("users").set({ role: "admin" }).where("id", "=", boss.userId).execute();
    const victim = await signUpVerified(s, "victim-bearer@example.com");
    const raw = boss.token.split(".")[0] as string;
    const calls: [string, string, unknown][] = [
      ["GET", "/admin/list-users", undefined],
      ["POST", "/admin/set-role", { userId: victim.userId, role: "admin" }],
      ["POST", "/admin/ban-user", { userId: victim.userId }],
      ["POST", "/admin/reset-second-factor", { userId: victim.userId }],
      ["POST", "/admin/send-verification-email", { userId: victim.userId }],
      ["POST", "/admin/set-user-password", { userId: victim.userId, newPassword: `${STRONG_PASSWORD}-2` }],
      ["POST", "/admin/impersonate-user", { userId: victim.userId }],
    ];
    for (const bearer of [boss.token, encodeURIComponent(boss.token), raw]) {
      for (const [method, path, json] of calls) {
        const res = await s.call(`/api/auth${path}`, {
          method,
          headers: { Authorization: `Bearer ${bearer}` },
          ...(json === undefined ? {} : { json }),
        });
        expect(`${method} ${path} ${res.status}`).toBe(`${method} ${path} 403`);
        expect(await res.json()).toMatchObject({ code: "MFA_REQUIRED" });
      }
    }
    const after = await s.gh.database.db
      .selectFrom("users")
      .select(["role", "banned"])
      .where("id", "=", victim.userId)
      .executeTakeFirstOrThrow();
    expect(after.role).toBe("user");
    expect(Boolean(after.banned)).toBe(false);
  });
});
