import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cookiesFrom,
  STRONG_PASSWORD,
  signUpVerified,
  startTestServer,
  type TestServer,
  tokenFromOutbox,
} from "../../../test/harness.js";

const ADMIN = "boss@example.com";

function linkToken(s: TestServer, to: string, path: string): string {
  const mail = s.outbox.list(to).find((m) => m.text.includes(path));
  const token = mail?.text.match(new RegExp(`${path}\\?token=(\\S+)`))?.[1];
  if (!token) throw new Error(`no ${path} link mailed to ${to}`);
  return token;
}

describe("account links (reset check, invitations, email change)", () => {
  let s: TestServer;
  let admin: { cookie: string };
  beforeAll(async () => {
    s = await startTestServer("sqlite", { ADMIN_EMAILS: ADMIN });
    admin = await signUpVerified(s, ADMIN);
  });
  afterAll(async () => {
    await s.close();
  });

  const status = async (token: string): Promise<string> =>
    ((await (await s.call(`/api/auth/password-link?token=${encodeURIComponent(token)}`)).json()) as { status: string })
      .status;

  it("GET /password-link says valid, then invalid once used, and expired for an old link, without using it", async () => {
    const email = "checker@example.com";
    await signUpVerified(s, email);
    expect(await status("no-such-token")).toBe("invalid");
    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    const token = tokenFromOutbox(s.outbox, email, "/reset-password");
    expect(await status(token)).toBe("valid");
    expect(await status(token)).toBe("valid"); // checking twice spends nothing
    const reset = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token, newPassword: "another long passphrase" },
    });
    expect(reset.status).toBe(200);
    expect(await status(token)).toBe("invalid");

    await s.call("/api/auth/request-password-reset", { method: "POST", json: { email } });
    const old = s.outbox.list(email).find((m) => m.subject === "Reset your password" && !m.text.includes(token));
    const second = old?.text.match(/\/reset-password\?token=(\S+)/)?.[1] as string;
    const ctx = await s.gh.auth.$context;
    await ctx.internalAdapter.updateVerificationByIdentifier(`reset-password:${second}`, {
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await status(second)).toBe("expired");
  });

  it("an admin's create-user without a password mails an invitation; choosing the password verifies the address", async () => {
    const email = "invited@example.com";
    const created = await s.call("/api/auth/admin/create-user", {
      method: "POST",
      headers: { Cookie: admin.cookie },
      json: { email, name: "In Vited", role: "user" },
    });
    expect(created.status).toBe(200);
    const mail = s.outbox.list(email)[0];
    expect(mail?.subject).toBe("You're invited to Gatehouse");
    expect(mail?.text).toContain("boss invited you");
    const token = linkToken(s, email, "/accept-invite");
    expect(await status(token)).toBe("valid");
    const set = await s.call("/api/auth/reset-password", {
      method: "POST",
      json: { token, newPassword: STRONG_PASSWORD },
    });
    expect(set.status).toBe(200);
    const signIn = await s.call("/api/auth/sign-in/email", {
      method: "POST",
      json: { email, password: STRONG_PASSWORD },
    });
    expect(signIn.status).toBe(200); // not EMAIL_NOT_VERIFIED: the link proved the address

    const withPassword = await s.call("/api/auth/admin/create-user", {
      method: "POST",
      headers: { Cookie: admin.cookie },
      json: { email: "given@example.com", name: "Gi Ven", password: STRONG_PASSWORD },
    });
    expect(withPassword.status).toBe(200);
    expect(s.outbox.list("given@example.com")).toHaveLength(0);
  });

  it("an email change needs the current address's approval, then the new address's confirmation", async () => {
    const email = "mover@example.com";
    const next = "moved@example.com";
    const me = await signUpVerified(s, email);
    const asked = await s.call("/api/auth/change-email", {
      method: "POST",
      headers: { Cookie: me.cookie },
      json: { newEmail: next },
    });
    expect(asked.status).toBe(200);
    const approval = s.outbox.list(email).find((m) => m.subject === "Approve your email change");
    expect(approval?.text).toContain(next);
    expect(s.outbox.list(next)).toHaveLength(0);

    const approve = await s.call(`/api/auth/verify-email?token=${linkToken(s, email, "/verify-email")}`);
    expect(approve.status).toBe(200);
    const confirm = s.outbox.list(next).find((m) => m.subject === "Confirm your new email address");
    expect(confirm).toBeDefined();
    const session = async (): Promise<{ user: { email: string } } | null> =>
      (await (await s.call("/api/auth/get-session", { headers: { Cookie: me.cookie } })).json()) as {
        user: { email: string };
      } | null;
    expect((await session())?.user.email).toBe(email); // nothing changed yet

    const done = await s.call(`/api/auth/verify-email?token=${linkToken(s, next, "/verify-email")}`, {
      headers: { Cookie: me.cookie },
    });
    expect(done.status).toBe(200);
    const fresh = cookiesFrom(done) || me.cookie;
    const after = (await (await s.call("/api/auth/get-session", { headers: { Cookie: fresh } })).json()) as {
      user: { email: string; emailVerified: boolean };
    };
    expect(after.user.email).toBe(next);
    expect(after.user.emailVerified).toBe(true);
  });
});
