import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DB_KINDS, type DbKind, STRONG_PASSWORD, signUpVerified, startTestServer, type TestServer } from "./harness.js";
import { startRedis } from "./support/redis-server.js";

const ADMIN = "reset-admin@example.com";

/** Every reset token mailed to `to`, oldest first. */
function resetTokens(s: TestServer, to: string): string[] {
  return s.outbox
    .list(to)
    .map((m) => m.text.match(/\/reset-password\?token=([^\s&]+)/)?.[1])
    .filter((t): t is string => Boolean(t))
    .reverse();
}

type Setup = { kind: DbKind; redis: boolean };
const SETUPS: Setup[] = [...DB_KINDS.map((kind) => ({ kind, redis: false })), { kind: "postgres", redis: true }];

/**
 * Issue 12 #1: once a password is reset or changed, by any path, every reset link the user still
 * holds is dead — refused with INVALID_TOKEN, and revoking nothing.
 */
describe.each(SETUPS)("outstanding reset links on $kind (Redis: $redis)", ({ kind, redis }) => {
  let s: TestServer;
  let stopRedis: (() => Promise<void>) | undefined;
  let admin: string;
  beforeAll(async () => {
    const r = redis ? await startRedis() : undefined;
    stopRedis = r?.stop;
    s = await startTestServer(kind, { ADMIN_EMAILS: ADMIN, ...(r ? { REDIS_URL: r.url } : {}) });
    admin = (await signUpVerified(s, ADMIN)).token;
  });
  afterAll(async () => {
    await s.close();
    await stopRedis?.();
  });

  const requestReset = async (email: string) => {
    const res = await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    expect(res.status).toBe(200);
  };
  const reset = (token: string, newPassword: string) =>
    s.call("/api/auth/reset-password", { method: "POST", json: { token, newPassword } });
  const alive = async (bearer: string) =>
    (await (await s.call("/api/auth/get-session", { headers: { Authorization: `Bearer ${bearer}` } })).json()) !== null;

  it("kills the older link when the newer one resets the password", async () => {
    const email = `older-${kind}-${redis}@example.com`;
    await signUpVerified(s, email);
    await requestReset(email);
    await requestReset(email);
    const [older, newer] = resetTokens(s, email) as [string, string];
    expect((await reset(newer, "the newer link's passphrase")).status).toBe(200);
    const signedIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: "the newer link's passphrase" },
    });
    expect(signedIn.status).toBe(200);
    const bearer = signedIn.headers.get("set-auth-token") as string;

    const replay = await reset(older, "the older link's passphrase");
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ code: "INVALID_TOKEN" });
    // Nothing happened: the session survives and the newer password still works.
    expect(await alive(bearer)).toBe(true);
    const again = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: "the newer link's passphrase" },
    });
    expect(again.status).toBe(200);
    // The link page (GET) sends the browser on with error=INVALID_TOKEN too.
    const page = await s.call(
      `/api/auth/reset-password/${older}?callbackURL=${encodeURIComponent("http://localhost:5173/reset-password")}`,
    );
    expect(page.status).toBe(302);
    expect(new URL(page.headers.get("location") ?? "").searchParams.get("error")).toBe("INVALID_TOKEN");
  });

  it("kills every link when the user changes the password", async () => {
    const email = `change-${kind}-${redis}@example.com`;
    const { token } = await signUpVerified(s, email);
    await requestReset(email);
    await requestReset(email);
    const changed = await s.call("/api/auth/change-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      json: { currentPassword: STRONG_PASSWORD, newPassword: "changed by the owner 1" },
    });
    expect(changed.status).toBe(200);
    for (const link of resetTokens(s, email)) {
      const res = await reset(link, "an attacker's passphrase");
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: "INVALID_TOKEN" });
    }
    expect(await alive(token)).toBe(true);
  });

  it("kills every link when an admin sets the password", async () => {
    const email = `admin-set-${kind}-${redis}@example.com`;
    const { userId } = await signUpVerified(s, email);
    await requestReset(email);
    const set = await s.call("/api/auth/admin/set-user-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}` },
      json: { userId, newPassword: "set by an administrator" },
    });
    expect(set.status).toBe(200);
    const [link] = resetTokens(s, email) as [string];
    const res = await reset(link, "an attacker's passphrase");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "INVALID_TOKEN" });
  });

  it("keeps a link asked for after the change", async () => {
    const email = `after-${kind}-${redis}@example.com`;
    const { token } = await signUpVerified(s, email);
    await s.call("/api/auth/change-password", {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      json: { currentPassword: STRONG_PASSWORD, newPassword: "changed by the owner 2" },
    });
    await requestReset(email);
    const [link] = resetTokens(s, email) as [string];
    expect((await reset(link, "reset after the change")).status).toBe(200);
  });
});
