import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesFrom,
  DB_KINDS,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "./harness.js";

const OWNER_ADDRESS = "root@example.com";
const SQUATTED = "ops@example.com";
const MOVED_TO = "boss@example.com";
const ATTACKER_PASSWORD = "the squatter's own passphrase";

/** Status, header names (cookie names for Set-Cookie) and the body with per-account values masked. */
async function shapeOf(res: Response): Promise<unknown> {
  const body = (await res.json()) as { token: unknown; user: Record<string, unknown> };
  const masked = Object.fromEntries(
    Object.entries(body.user).map(([k, v]) => [
      k,
      ["id", "email", "name", "createdAt", "updatedAt"].includes(k) ? typeof v : v,
    ]),
  );
  const headers = [...res.headers.keys()].filter((h) => h !== "set-cookie" && h !== "x-request-id").sort();
  const cookies = res.headers
    .getSetCookie()
    .map((c) => c.split("=")[0])
    .sort();
  return { status: res.status, headers, cookies, body: { token: body.token, user: masked } };
}

/** Issue 12 #2: ADMIN_EMAILS grants admin only to a proven owner, at verification time. */
describe.each(DB_KINDS)("ADMIN_EMAILS on %s", (kind) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(kind, {
      ADMIN_EMAILS: [
        OWNER_ADDRESS,
        SQUATTED,
        MOVED_TO,
        "first@example.com",
        "made-verified@example.com",
        "made-unverified@example.com",
      ].join(","),
    });
  });
  afterAll(async () => {
    await s.close();
  });

  const signUp = (email: string, password = STRONG_PASSWORD, cookie?: string) =>
    s.call("/api/auth/sign-up/email", {
      method: "POST",
      json: { email, password, name: "Some One" },
      headers: cookie ? { Cookie: cookie } : {},
    });
  const roleOf = async (email: string) =>
    (await s.gh.database.db.selectFrom("users").select("role").where("email", "=", email).executeTakeFirstOrThrow())
      .role as string;
  const signIn = (email: string, password: string) =>
    s.call("/api/auth/sign-in/email", { method: "POST", json: { email, password } });

  it("answers a sign-up for an admin address exactly as any other, new or existing, and grants nothing", async () => {
    await signUpVerified(s, "existing-user@example.com");
    await signUpVerified(s, "first@example.com");
    const answers = [
      await signUp("new-user@example.com"),
      await signUp(OWNER_ADDRESS),
      await signUp("existing-user@example.com"),
      await signUp("first@example.com"),
    ];
    const shapes = await Promise.all(answers.map(shapeOf));
    for (const shape of shapes) expect(shape).toEqual(shapes[0]);
    expect(shapes[0]).toMatchObject({
      status: 200,
      body: { token: null, user: { role: "user", emailVerified: false } },
    });
    expect(await roleOf(OWNER_ADDRESS)).toBe("user");
    // Unverified, it cannot sign in either.
    expect((await signIn(OWNER_ADDRESS, STRONG_PASSWORD)).status).toBe(403);
  });

  it("grants admin when the owner verifies in the browser that signed up", async () => {
    const email = "first@example.com";
    expect(await roleOf(email)).toBe("admin");
    const me = await s.call("/api/auth/me", {
      headers: { Authorization: `Bearer ${(await signIn(email, STRONG_PASSWORD)).headers.get("set-auth-token")}` },
    });
    expect(await me.json()).toMatchObject({ role: "admin" });
  });

  it("gives a squatter nothing when the owner clicks the verification mail; the owner gets in by a set-password link", async () => {
    // The attacker signs up first with the owner's address and a password of their own.
    const squat = await signUp(SQUATTED, ATTACKER_PASSWORD);
    expect(squat.status).toBe(200);
    expect(cookiesFrom(squat)).not.toBe("");
    // The owner opens the verification mail in their own browser (no cookie of the attacker's).
    const token = tokenFromOutbox(s.outbox, SQUATTED, "/verify-email");
    const verified = await s.call(`/api/auth/verify-email?token=${token}`);
    expect(verified.status).toBe(200);
    expect(await roleOf(SQUATTED)).toBe("user");
    const attacker = await signIn(SQUATTED, ATTACKER_PASSWORD);
    expect(attacker.status).toBe(200);
    const attackerBearer = attacker.headers.get("set-auth-token") as string;
    expect(((await attacker.json()) as { user: { role: string } }).user.role).toBe("user");

    // The address got a set-password link instead; using it proves mailbox and credential at once.
    const activation = s.outbox.list(SQUATTED).find((m) => m.subject === "Turn on administrator access");
    expect(activation).toBeDefined();
    const link = tokenFromOutbox(s.outbox, SQUATTED, "/reset-password");
    const reset = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token: link, newPassword: "the real owner's passphrase" },
    });
    expect(reset.status).toBe(200);
    expect(await roleOf(SQUATTED)).toBe("admin");
    expect((await signIn(SQUATTED, ATTACKER_PASSWORD)).status).toBe(401);
    const stale = await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${attackerBearer}` } });
    expect(await stale.json()).toBeNull();
  });

  it("grants on an email change to an admin address only when confirmed in the account's own browser", async () => {
    const changeTo = async (email: string, confirmSignedIn: boolean): Promise<string> => {
      const { token } = await signUpVerified(s, email);
      const bearer = { Authorization: `Bearer ${token}` };
      const asked = await s.call("/api/auth/change-email", {
        method: "POST",
        headers: bearer,
        json: { newEmail: MOVED_TO },
      });
      expect(asked.status).toBe(200);
      const approve = tokenFromOutbox(s.outbox, email, "/verify-email");
      expect((await s.call(`/api/auth/verify-email?token=${approve}`, { headers: bearer })).status).toBe(200);
      const confirm = tokenFromOutbox(s.outbox, MOVED_TO, "/verify-email");
      const done = await s.call(`/api/auth/verify-email?token=${confirm}`, { headers: confirmSignedIn ? bearer : {} });
      expect(done.status).toBe(200);
      return roleOf(MOVED_TO);
    };
    // Someone moves their own account to the admin address; its owner confirms in their browser.
    expect(await changeTo("mover-one@example.com", false)).toBe("user");
    expect(s.outbox.list(MOVED_TO).some((m) => m.subject === "Turn on administrator access")).toBe(true);
    await s.gh.database.db.deleteFrom("users").where("email", "=", MOVED_TO).execute();
    // The owner moves their own account and confirms while signed in to it.
    expect(await changeTo("mover-two@example.com", true)).toBe("admin");
  });
  it("grants at creation only to an account created already verified (an admin's create-user)", async () => {
    const admin = await signIn("first@example.com", STRONG_PASSWORD);
    const bearer = { Authorization: `Bearer ${admin.headers.get("set-auth-token")}` };
    const create = (email: string, emailVerified: boolean) =>
      s.call("/api/auth/admin/create-user", {
        method: "POST",
        headers: bearer,
        json: { email, password: STRONG_PASSWORD, name: "Made", data: { emailVerified } },
      });
    expect((await create("made-verified@example.com", true)).status).toBe(200);
    expect((await create("made-unverified@example.com", false)).status).toBe(200);
    expect(await roleOf("made-verified@example.com")).toBe("admin");
    expect(await roleOf("made-unverified@example.com")).toBe("user");
  });
});
