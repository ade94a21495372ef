import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "../../../test/harness.js";
import { SessionActivity } from "./recorder.js";

describe.each(DB_KINDS)("sessions' last-active time on %s", (kind) => {
  let s: TestServer;
  let admin: { token: string; userId: string };
  beforeAll(async () => {
    s = await startTestServer(kind, { ADMIN_EMAILS: "activity-admin@example.com" });
    admin = await signUpVerified(s, "activity-admin@example.com");
  });
  afterAll(async () => {
    await s.close();
  });
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const activity = () => s.gh.sessionActivity;
  const signIn = async (email: string, userAgent: string) => {
    const res = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
      headers: { "User-Agent": userAgent },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { user: { id: string } };
    return { token: res.headers.get("set-auth-token") as string, userId: body.user.id };
  };
  const storedOf = async (token: string): Promise<{ id: string; at: number | null }> => {
    const row = await s.gh.database.db
      .selectFrom("user_sessions")
      .select(["id", "last_active_at"])
      .where("token", "=", token.split(".")[0] as string)
      .executeTakeFirstOrThrow();
    return { id: row.id, at: row.last_active_at ? new Date(row.last_active_at).getTime() : null };
  };

  it("records a use on get-session, the fast /me and /token, once per interval however many requests", async () => {
    await signUpVerified(s, "used@example.com");
    for (const path of ["/api/auth/get-session", "/api/auth/me", "/api/auth/token"]) {
      const session = await signIn("used@example.com", `probe ${path}`);
      await activity().flush();
      expect((await storedOf(session.token)).at).toBeNull();
      const before = { ...activity().stats };
      const started = Date.now();
      for (let i = 0; i < 20; i++) expect((await s.call(path, { headers: bearer(session.token) })).status).toBe(200);
      await activity().flush();
      const stored = await storedOf(session.token);
      expect(stored.at).toBeGreaterThanOrEqual(started - 5);
      expect(stored.at).toBeLessThanOrEqual(Date.now());
      // 20 uses, one queued write, one row written.
      expect(activity().stats.touches - before.touches).toBeGreaterThanOrEqual(20);
      expect(activity().stats.queued - before.queued).toBe(1);
      expect(activity().stats.rowsWritten - before.rowsWritten).toBe(1);
    }
  });

  it("notes nothing for a credential that resolves no session", async () => {
    const before = { ...activity().stats };
    const forged = await s.call("/api/auth/get-session", { headers: bearer("A".repeat(32)) });
    expect(await forged.json()).toBeNull();
    expect((await s.call("/api/auth/me", { headers: bearer("B".repeat(32)) })).status).toBe(401);
    expect(activity().stats.touches).toBe(before.touches);
  });

  it("writes again only after the interval, and never moves a session's time back", async () => {
    await signUpVerified(s, "interval@example.com");
    const { token } = await signIn("interval@example.com", "interval");
    const { id } = await storedOf(token);
    const t0 = Date.now() + 10 * 60_000;
    const recorder = activity();
    recorder.touch(id, t0);
    recorder.touch(id, t0 + recorder.intervalMs - 1);
    await recorder.flush();
    expect((await storedOf(token)).at).toBe(t0);
    recorder.touch(id, t0 + recorder.intervalMs);
    await recorder.flush();
    expect((await storedOf(token)).at).toBe(t0 + recorder.intervalMs);
    // Another instance, whose last note of this session is older, does not undo it.
    const other = new SessionActivity(s.gh.database.db, s.gh.database.kind, s.gh.logger);
    other.touch(id, t0 + 1);
    await other.close();
    expect((await storedOf(token)).at).toBe(t0 + recorder.intervalMs);
  });

  it("tells two sessions of one browser apart in every session list", async () => {
    const email = "twins@example.com";
    await signUpVerified(s, email);
    const ua = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    const idle = await signIn(email, ua);
    const busy = await signIn(email, ua);
    const idleId = (await storedOf(idle.token)).id;
    const busyId = (await storedOf(busy.token)).id;
    // The busy one was used ten minutes after both were created (recorded as another request would).
    const later = Date.now() + 10 * 60_000;
    activity().touch(busyId, later);
    await activity().flush();

    const mine = (await (await s.call("/api/auth/sessions", { headers: bearer(idle.token) })).json()) as Array<{
      id: string;
      createdAt: string;
      lastActiveAt: string;
    }>;
    const idleRow = mine.find((x) => x.id === idleId);
    const busyRow = mine.find((x) => x.id === busyId);
    expect(busyRow?.lastActiveAt).toBe(new Date(later).toISOString());
    // The idle session's own listing is a use of it: "now", not its creation time.
    expect(Date.parse(idleRow?.lastActiveAt ?? "")).toBeGreaterThanOrEqual(Date.parse(idleRow?.createdAt ?? ""));

    const stock = (await (await s.call("/api/auth/list-sessions", { headers: bearer(busy.token) })).json()) as Array<{
      id: string;
      lastActiveAt: string;
    }>;
    expect(stock.find((x) => x.id === busyId)?.lastActiveAt).toBe(new Date(later).toISOString());

    const adminView = await s.call("/api/auth/admin/list-user-sessions", {
      method: "POST",
      headers: bearer(admin.token),
      json: { userId: idle.userId },
    });
    expect(adminView.status).toBe(200);
    const { sessions } = (await adminView.json()) as { sessions: Array<{ id: string; lastActiveAt: string }> };
    expect(sessions.find((x) => x.id === busyId)?.lastActiveAt).toBe(new Date(later).toISOString());
    expect(sessions.find((x) => x.id === idleId)?.lastActiveAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("sessions' last-active time turned off", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer("sqlite", { SESSION_ACTIVITY_INTERVAL_SECONDS: "0" });
  });
  afterAll(async () => {
    await s.close();
  });

  it("writes nothing and lists each session's creation time", async () => {
    const { token } = await signUpVerified(s, "off@example.com");
    for (let i = 0; i < 3; i++)
      await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${token}` } });
    await s.gh.sessionActivity.flush();
    expect(s.gh.sessionActivity.stats).toEqual({ touches: 0, queued: 0, flushes: 0, rowsWritten: 0 });
    const [row] = (await (
      await s.call("/api/auth/sessions", { headers: { Authorization: `Bearer ${token}` } })
    ).json()) as Array<{
      createdAt: string;
      lastActiveAt: string;
    }>;
    expect(row?.lastActiveAt).toBe(row?.createdAt);
  });
});
